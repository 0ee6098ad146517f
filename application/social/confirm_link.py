"""``POST /auth/oauth/{provider}/link/confirm``: the person confirmed the link on the page
that named the account; send the browser to the provider.

Only that page's form gets through: its proof must match the nonce in this browser's
``SameSite=Strict`` cookie (``LinkConfirmations``), judged before the ticket is touched,
so a forged post is ``csrf_failed`` (logged, naming the provider only) and changes
nothing. Then the ticket is taken, once (a replayed post, or one after the ticket's 60
seconds, is ``invalid_state``), and the link flow starts as a sign-in's does, bound to
this browser (SECURITY OA-01), for the ticket's account only (OA-09).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from application.ports.providers import IdentityProviders
from application.results import ProviderRedirect
from application.social.confirmations import LinkConfirmations
from application.social.flows import ProviderFlows
from application.social.lookup import configured_provider
from application.social.starting import FlowStarter
from domain.errors import LinkNotConfirmedError
from domain.social import FlowMode

log = logging.getLogger("bastion.oauth")


@dataclass(frozen=True, slots=True)
class ConfirmProviderLinkCommand:
    provider: str
    ticket: str
    proof: str
    nonce: str
    """From the page's cookie; empty when the browser sent none."""


class ConfirmProviderLink:
    def __init__(
        self,
        providers: IdentityProviders,
        flows: ProviderFlows,
        confirmations: LinkConfirmations,
        starter: FlowStarter,
    ) -> None:
        self._providers = providers
        self._flows = flows
        self._confirmations = confirmations
        self._starter = starter

    def __call__(self, cmd: ConfirmProviderLinkCommand) -> ProviderRedirect:
        provider = configured_provider(self._providers, cmd.provider)
        try:
            self._confirmations.check(cmd.ticket, cmd.nonce, cmd.proof)
        except LinkNotConfirmedError:
            log.warning("link confirmation refused", extra={"provider": provider.value})
            raise
        ticket = self._flows.take_link_ticket(cmd.ticket, provider)
        return self._starter.start(provider, FlowMode.LINK, ticket.user_id, ticket.redirect_uri)
