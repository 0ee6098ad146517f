"""The short-lived records of a provider flow, in the challenge store (SECURITY OA-01, OA-07).

- ``oauth_state:{digest of state}`` (Apple: ``oauth_state:apple:{digest}``), 10 minutes:
  the provider, the mode (login or link, with the user who links), the PKCE verifier, the
  nonce, the ``redirect_uri`` and the digest of the browser binding. The state (256 bits)
  travels through the provider; the binding (256 bits) only in an HttpOnly cookie of the
  browser that started, so a state carried to another browser is worthless. The record is
  *taken* (GETDEL) before anything is judged: of two callbacks with one state one gets it,
  and a state is never judged twice. authlib's own state keeping lives an hour and reads
  before it deletes, so Bastion keeps it here.
- ``oauth_code:{digest}``, 60 seconds: the one-time code the callback hands the client
  app in place of tokens (no token ever travels in a URL), bound to the signed-in user,
  taken once by ``POST /auth/oauth/exchange``.
- ``oauth_link:{digest}``, 60 seconds: the ticket in the ``authorization_url`` that
  ``POST /me/providers/{p}/link`` answers. The browser brings it to Bastion's authorize
  endpoint, whose page asking the person to confirm only reads it; the confirmation
  takes it, once, and turns it into a link flow bound to that browser.

The store sees digests only, as ``login_attempt:`` and ``passkey_auth:`` keys do.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.ports.ephemeral import ChallengeStore
from application.ports.security import Digester, SecretGenerator
from domain.errors import InvalidCodeError, InvalidStateError
from domain.ids import UserId
from domain.social import FlowMode, Provider

STATE_TTL = 600
CODE_TTL = 60
LINK_TICKET_TTL = 60
SECRET_BYTES = 32
MAX_PRESENTED_LENGTH = 512
"""A state, binding, code or ticket longer than this was never made here."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewFlow:
    """The values a flow starts with; ``binding`` goes into the browser's cookie."""

    state: str
    binding: str
    code_verifier: str
    nonce: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingFlow:
    provider: Provider
    mode: FlowMode
    user_id: UserId | None
    code_verifier: str
    nonce: str
    redirect_uri: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkTicket:
    user_id: UserId
    provider: Provider
    redirect_uri: str


class ProviderFlows:
    def __init__(self, store: ChallengeStore, secrets: SecretGenerator, digester: Digester) -> None:
        self._store = store
        self._secrets = secrets
        self._digester = digester

    def new(self) -> NewFlow:
        """Fresh random values; nothing is stored until ``save``. The PKCE verifier is 43
        characters of base64url (RFC 7636 §4.1 asks 43 to 128)."""
        token = self._secrets.token
        return NewFlow(
            state=token(SECRET_BYTES),
            binding=token(SECRET_BYTES),
            code_verifier=token(SECRET_BYTES),
            nonce=token(SECRET_BYTES),
        )

    def save(self, flow: NewFlow, pending: PendingFlow) -> None:
        record = {
            "provider": pending.provider.value,
            "mode": pending.mode.value,
            "user_id": str(pending.user_id) if pending.user_id else "",
            "verifier": pending.code_verifier,
            "nonce": pending.nonce,
            "redirect_uri": pending.redirect_uri,
            "binding": self._digester.digest(flow.binding),
        }
        self._store.put(self._state_key(pending.provider, flow.state), record, STATE_TTL)

    def take(self, provider: Provider, state: str, binding: str) -> PendingFlow:
        """The flow ``state`` names, consumed, if it was started for ``provider`` by the
        browser holding ``binding``; ``InvalidStateError`` otherwise (the record is gone
        either way: a state is judged once)."""
        if not plausible(state):
            raise InvalidStateError()
        record = self._store.take(self._state_key(provider, state))
        if record is None or record.get("provider") != provider.value:
            raise InvalidStateError()
        presented = self._digester.digest(binding) if plausible(binding) else ""
        if not self._digester.same(presented, record.get("binding", "")):
            raise InvalidStateError()
        return _pending(record)

    def issue_code(self, user_id: UserId, provider: Provider) -> str:
        code = self._secrets.token(SECRET_BYTES)
        record = {"user_id": str(user_id), "provider": provider.value}
        self._store.put(self._key("oauth_code", code), record, CODE_TTL)
        return code

    def take_code(self, code: str) -> tuple[UserId, Provider]:
        """The sign-in a one-time code stands for, consumed; ``InvalidCodeError`` for a
        wrong, used or expired code."""
        record = self._store.take(self._key("oauth_code", code)) if plausible(code) else None
        if record is None:
            raise InvalidCodeError()
        try:
            return UserId(UUID(record["user_id"])), Provider(record["provider"])
        except (KeyError, ValueError):
            raise InvalidCodeError() from None

    def issue_link_ticket(self, ticket: LinkTicket) -> str:
        value = self._secrets.token(SECRET_BYTES)
        record = {
            "user_id": str(ticket.user_id),
            "provider": ticket.provider.value,
            "redirect_uri": ticket.redirect_uri,
        }
        self._store.put(self._key("oauth_link", value), record, LINK_TICKET_TTL)
        return value

    def read_link_ticket(self, value: str, provider: Provider) -> LinkTicket:
        """The link a ticket stands for, left in place (the page that asks the person to
        confirm only reads it); ``InvalidStateError`` as :meth:`take_link_ticket`."""
        record = self._store.get(self._key("oauth_link", value)) if plausible(value) else None
        return _ticket(record, provider)

    def take_link_ticket(self, value: str, provider: Provider) -> LinkTicket:
        """The link a ticket stands for, consumed; ``InvalidStateError`` when it is
        unknown, used, expired or made for another provider."""
        record = self._store.take(self._key("oauth_link", value)) if plausible(value) else None
        return _ticket(record, provider)

    def _state_key(self, provider: Provider, state: str) -> str:
        prefix = "oauth_state:apple" if provider is Provider.APPLE else "oauth_state"
        return self._key(prefix, state)

    def _key(self, prefix: str, value: str) -> str:
        return f"{prefix}:{self._digester.digest(value)}"


def plausible(value: str) -> bool:
    """Worth looking up: not empty, and not longer than anything made here."""
    return 0 < len(value) <= MAX_PRESENTED_LENGTH


def _ticket(record: dict[str, str] | None, provider: Provider) -> LinkTicket:
    if record is None or record.get("provider") != provider.value:
        raise InvalidStateError()
    try:
        return LinkTicket(
            user_id=UserId(UUID(record["user_id"])),
            provider=provider,
            redirect_uri=record["redirect_uri"],
        )
    except (KeyError, ValueError):
        raise InvalidStateError() from None


def _pending(record: dict[str, str]) -> PendingFlow:
    """A record this code wrote; a damaged one reads as an unknown state."""
    try:
        user = record["user_id"]
        return PendingFlow(
            provider=Provider(record["provider"]),
            mode=FlowMode(record["mode"]),
            user_id=UserId(UUID(user)) if user else None,
            code_verifier=record["verifier"],
            nonce=record["nonce"],
            redirect_uri=record["redirect_uri"],
        )
    except (KeyError, ValueError):
        raise InvalidStateError() from None
