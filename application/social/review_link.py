"""``GET /auth/oauth/{provider}/authorize?link=``: the page that asks the person to confirm
a link, before anything goes to the provider.

Whoever opens a link ticket's URL would otherwise link their own identity at the provider
to the account that made the ticket, and that account may be an attacker's
(``LinkConfirmations``). So the page names the provider and the account the identity would
join, its email masked (enough for its owner to recognise, too little to learn from a
ticket someone handed on), and carries a fresh confirmation for this browser. The ticket
is only read: viewing changes nothing, and the ticket goes on working once, within its
60 seconds, from the page's form (``ConfirmProviderLink``). An unknown, used, expired or
other provider's ticket, or one whose account is gone, is ``invalid_state``.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.persistence import UnitOfWork
from application.ports.providers import IdentityProviders
from application.social.confirmations import LinkConfirmations
from application.social.flows import ProviderFlows
from application.social.lookup import configured_provider
from domain.errors import InvalidStateError
from domain.redirects import with_params
from domain.social import Provider

REFUSAL = "access_denied"
"""What the page's cancel brings back, as a refusal at the provider does."""


@dataclass(frozen=True, slots=True)
class ReviewProviderLinkCommand:
    provider: str
    ticket: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkReview:
    """What the page shows and carries. ``nonce`` goes into the browser's cookie only."""

    provider: Provider
    account: str
    """The email of the account the identity would join, masked."""
    ticket: str
    proof: str
    nonce: str
    cancel_url: str
    """The ticket's ``redirect_uri`` with ``error=access_denied``."""


class ReviewProviderLink:
    def __init__(
        self,
        uow: UnitOfWork,
        providers: IdentityProviders,
        flows: ProviderFlows,
        confirmations: LinkConfirmations,
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._flows = flows
        self._confirmations = confirmations

    def __call__(self, cmd: ReviewProviderLinkCommand) -> LinkReview:
        provider = configured_provider(self._providers, cmd.provider)
        ticket = self._flows.read_link_ticket(cmd.ticket, provider)
        with self._uow as uow:
            user = uow.users.get(ticket.user_id)
        if user is None:
            raise InvalidStateError()
        confirmation = self._confirmations.issue(cmd.ticket)
        return LinkReview(
            provider=provider,
            account=user.email.masked(),
            ticket=cmd.ticket,
            proof=confirmation.proof,
            nonce=confirmation.nonce,
            cancel_url=with_params(ticket.redirect_uri, {"error": REFUSAL}),
        )
