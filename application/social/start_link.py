"""``POST /me/providers/{provider}/link``: let the signed-in user link an identity.

A sensitive change, proved as the others are (SECURITY MF-04): the password, or a current
authenticator or backup code (``StepUp``). An account with neither a password nor a
factor that could be checked (it signs in through a provider or a passkey only) proves
presence by a sign-in less than 10 minutes old. The answer is an ``authorization_url``
on Bastion's own authorize endpoint carrying a one-time link ticket (60 s): a browser
cannot follow a redirect that needs a bearer header, and going through Bastion first
lets the flow be bound to that browser like a sign-in (OA-01). The identity is linked on
the callback, to this user only (OA-09).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from application.common.factor_checks import StepUp
from application.ports.persistence import UnitOfWork
from application.ports.providers import IdentityProviders
from application.ports.system import Clock
from application.social.flows import LinkTicket, ProviderFlows
from application.social.lookup import configured_provider
from domain.errors import (
    InvalidRedirectUriError,
    NotFoundError,
    ProviderAlreadyLinkedError,
    RecentSignInRequiredError,
)
from domain.ids import SessionId, UserId
from domain.redirects import RedirectTarget, allowed_redirect
from domain.users import User

RECENT_SIGN_IN = timedelta(minutes=10)


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
        step_up: StepUp,
        allowlist: tuple[RedirectTarget, ...],
        authorize_url: str,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._flows = flows
        self._step_up = step_up
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
            self._prove(uow, user, cmd)
            uow.commit()
        ticket = self._flows.issue_link_ticket(
            LinkTicket(user_id=user.id, provider=provider, redirect_uri=cmd.redirect_uri)
        )
        base = self._authorize_url.format(provider=provider.value)
        return f"{base}?link={quote(ticket, safe='')}"

    def _prove(self, uow: UnitOfWork, user: User, cmd: StartProviderLinkCommand) -> None:
        now = self._clock.now()
        checkable = user.password is not None or uow.factors.list_for_user(user.id)
        if checkable or cmd.password or cmd.code:
            self._step_up.prove(uow, user, cmd.password, cmd.code, now, action="link_provider")
            return
        session = uow.sessions.get(cmd.session_id)
        if session is None or now - session.created_at > RECENT_SIGN_IN:
            raise RecentSignInRequiredError()
