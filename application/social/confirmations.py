"""The person's confirmation between a link ticket and the provider (account-linking
CSRF, RFC 9700 §4.7).

A link ticket starts a link in whichever browser opens its URL, so an attacker could hand
their own ticket to a victim, whose consent at the provider would then join the victim's
identity to the attacker's account. So the ticket's URL answers a page naming the account,
and only that page's form goes on. The page makes a random nonce for a ``SameSite=Strict``
cookie and puts the keyed digest of the ticket and the nonce in the form: a form posted
from another site carries neither the cookie (the browser keeps a strict cookie off
cross-site requests) nor a digest that matches one (it is keyed, and the nonce random).
Nothing is stored; the pair is judged when the form comes back, as the console's CSRF
tokens are derived rather than kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.security import Digester, SecretGenerator
from application.social.flows import SECRET_BYTES, plausible
from domain.errors import LinkNotConfirmedError

_PURPOSE = "provider-link-confirmation"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkConfirmation:
    nonce: str
    """For the browser's cookie."""
    proof: str
    """For the page's form: the keyed digest of the ticket and the nonce."""


class LinkConfirmations:
    def __init__(self, secrets: SecretGenerator, digester: Digester) -> None:
        self._secrets = secrets
        self._digester = digester

    def issue(self, ticket: str) -> LinkConfirmation:
        """A fresh pair for one showing of the page (each showing makes its own)."""
        nonce = self._secrets.token(SECRET_BYTES)
        return LinkConfirmation(nonce=nonce, proof=self._proof(ticket, nonce))

    def check(self, ticket: str, nonce: str, proof: str) -> None:
        """``LinkNotConfirmedError`` unless ``proof`` is what a page showing ``ticket``
        made for this browser's ``nonce``."""
        if not (plausible(nonce) and plausible(proof)):
            raise LinkNotConfirmedError()
        if not self._digester.same(proof, self._proof(ticket, nonce)):
            raise LinkNotConfirmedError()

    def _proof(self, ticket: str, nonce: str) -> str:
        return self._digester.keyed(f"{ticket}:{nonce}", _PURPOSE)
