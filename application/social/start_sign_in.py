"""``GET /auth/oauth/{provider}/authorize?redirect_uri=``: send the browser to the provider
to sign in.

The ``redirect_uri`` must pass the allow-list (SECURITY OA-06), or nothing starts; then
the flow starts as every provider flow does (``FlowStarter``). A link ticket on the same
endpoint is not a sign-in: it asks the person first (``ReviewProviderLink``).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.providers import IdentityProviders
from application.results import ProviderRedirect
from application.social.lookup import configured_provider
from application.social.starting import FlowStarter
from domain.errors import InvalidRedirectUriError
from domain.redirects import RedirectTarget, allowed_redirect
from domain.social import FlowMode


@dataclass(frozen=True, slots=True)
class StartProviderSignInCommand:
    provider: str
    redirect_uri: str


class StartProviderSignIn:
    def __init__(
        self,
        providers: IdentityProviders,
        starter: FlowStarter,
        allowlist: tuple[RedirectTarget, ...],
    ) -> None:
        self._providers = providers
        self._starter = starter
        self._allowlist = allowlist

    def __call__(self, cmd: StartProviderSignInCommand) -> ProviderRedirect:
        provider = configured_provider(self._providers, cmd.provider)
        if not allowed_redirect(cmd.redirect_uri, self._allowlist):
            raise InvalidRedirectUriError()
        return self._starter.start(provider, FlowMode.LOGIN, None, cmd.redirect_uri)
