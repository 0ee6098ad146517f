"""``GET /auth/oauth/{provider}/authorize``: send the browser to the provider.

With ``redirect_uri`` (which must pass the allow-list, SECURITY OA-06) a sign-in starts;
with the ``link`` ticket that ``POST /me/providers/{p}/link`` made, a link to that
ticket's account starts. Either way a fresh flow is stored (state, PKCE verifier, nonce,
the return address and the digest of a browser binding, 10 minutes) and the provider's
authorization URL is answered with the binding for the browser's cookie. A provider that
cannot be reached (its discovery document) sends the browser straight back with
``error=provider_unavailable``, having stored nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from application.ports.providers import (
    AuthorizationRequest,
    IdentityProviders,
    ProviderUnavailableError,
)
from application.results import ProviderRedirect
from application.social.flows import PendingFlow, ProviderFlows
from application.social.lookup import configured_provider
from domain.errors import InvalidRedirectUriError
from domain.ids import UserId
from domain.redirects import RedirectTarget, allowed_redirect, with_params
from domain.social import FlowMode, Provider

log = logging.getLogger("bastion.oauth")


@dataclass(frozen=True, slots=True)
class StartProviderSignInCommand:
    provider: str
    redirect_uri: str | None = None
    link_ticket: str | None = None


class StartProviderSignIn:
    def __init__(
        self,
        providers: IdentityProviders,
        flows: ProviderFlows,
        allowlist: tuple[RedirectTarget, ...],
    ) -> None:
        self._providers = providers
        self._flows = flows
        self._allowlist = allowlist

    def __call__(self, cmd: StartProviderSignInCommand) -> ProviderRedirect:
        provider = configured_provider(self._providers, cmd.provider)
        mode, user_id, redirect_uri = self._purpose(provider, cmd)
        flow = self._flows.new()
        request = AuthorizationRequest(
            provider=provider, state=flow.state, code_verifier=flow.code_verifier, nonce=flow.nonce
        )
        try:
            url = self._providers.authorization_url(request)
        except ProviderUnavailableError as failure:
            log.warning(
                "provider unavailable",
                extra={"provider": provider.value, "reason": failure.reason},
            )
            back = with_params(redirect_uri, {"error": "provider_unavailable"})
            return ProviderRedirect(provider=provider, url=back)
        pending = PendingFlow(
            provider=provider,
            mode=mode,
            user_id=user_id,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
            redirect_uri=redirect_uri,
        )
        self._flows.save(flow, pending)
        return ProviderRedirect(provider=provider, url=url, binding=flow.binding)

    def _purpose(
        self, provider: Provider, cmd: StartProviderSignInCommand
    ) -> tuple[FlowMode, UserId | None, str]:
        if cmd.link_ticket:
            ticket = self._flows.take_link_ticket(cmd.link_ticket, provider)
            return FlowMode.LINK, ticket.user_id, ticket.redirect_uri
        redirect_uri = cmd.redirect_uri or ""
        if not allowed_redirect(redirect_uri, self._allowlist):
            raise InvalidRedirectUriError()
        return FlowMode.LOGIN, None, redirect_uri
