"""``POST /me/providers/{provider}/link``: let the signed-in user link an identity.

A sensitive change, proved as the others are (``Presence``: the password or a current
code; an account with neither, by a sign-in less than 10 minutes old). The answer is an
``authorization_url`` on Bastion's own authorize endpoint carrying a one-time link ticket
(60 s): a browser cannot follow a redirect that needs a bearer header, and going through
Bastion first lets the flow be bound to that browser like a sign-in (OA-01). That URL asks
the person to confirm first, on a page naming the account (``ReviewProviderLink``), so a
ticket handed to someone else links nothing by itself. The identity is linked on the
callback, to this user only (OA-09).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from application.common.presence import Presence
from application.ports.persistence import UnitOfWork
from application.ports.providers import IdentityProviders
from application.ports.system import Clock
from application.social.flows import LinkTicket, ProviderFlows
from application.social.lookup import configured_provider
from domain.errors import (
    InvalidRedirectUriError,
    NotFoundError,
    ProviderAlreadyLinkedError,
)
from domain.ids import SessionId, UserId
from domain.redirects import RedirectTarget, allowed_redirect


@dataclass(frozen=True, slots=True)
class StartProviderLinkCommand:
    user_id: UserId
    session_id: SessionId
    provider: str
    redirect_uri: str
    password: str | None = None
    code: str | None = None


class StartProviderLink:
    def __init__(
        self,
        uow: UnitOfWork,
        providers: IdentityProviders,
        flows: ProviderFlows,
        presence: Presence,
        allowlist: tuple[RedirectTarget, ...],
        authorize_url: str,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._flows = flows
        self._presence = presence
        self._allowlist = allowlist
        self._authorize_url = authorize_url
        """Bastion's authorize endpoint with a ``{provider}`` placeholder."""
        self._clock = clock

    def __call__(self, cmd: StartProviderLinkCommand) -> str:
        provider = configured_provider(self._providers, cmd.provider)
        if not allowed_redirect(cmd.redirect_uri, self._allowlist):
            raise InvalidRedirectUriError()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            if uow.provider_links.get_for_user(user.id, provider) is not None:
                raise ProviderAlreadyLinkedError()
            self._presence.prove(
                uow,
                user,
                cmd.session_id,
                cmd.password,
                cmd.code,
                self._clock.now(),
                action="link_provider",
            )
            uow.commit()
        ticket = self._flows.issue_link_ticket(
            LinkTicket(user_id=user.id, provider=provider, redirect_uri=cmd.redirect_uri)
        )
        base = self._authorize_url.format(provider=provider.value)
        return f"{base}?link={quote(ticket, safe='')}"
