"""WebAuthn challenges, kept server-side and single use (SECURITY WA-01).

A registration waits at ``passkey_registration:{userId}`` (one at a time per user: new
options replace it); a sign-in at ``passkey_auth:{reference}``, where the reference is the
digest of the ``login_token`` the client holds, as ``login_attempt:`` keys are (MF-01): the
store never sees the token itself. Each record holds the ceremony, the challenge, the user
when known, the RP ID and the flow, lives 5 minutes, and is *taken* (GETDEL) before the
credential is verified: py_webauthn remembers no challenge, so without this an assertion
could be replayed, and of two racing requests with one challenge only one gets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from application.ports.ephemeral import ChallengeStore
from domain.ids import UserId
from domain.passkeys import encode_id, from_base64url

CHALLENGE_TTL = 300


class Ceremony(StrEnum):
    REGISTRATION = "registration"
    AUTHENTICATION = "authentication"


class Flow(StrEnum):
    """Why a sign-in challenge was made: a passkey alone (user verification required), or
    a passkey as the second step after a password (verification preferred)."""

    PASSWORDLESS = "passwordless"
    SECOND_FACTOR = "second_factor"
    ENROLMENT = "enrolment"


@dataclass(frozen=True, slots=True)
class PendingCeremony:
    ceremony: Ceremony
    flow: Flow
    challenge: bytes
    user_id: UserId | None
    rp_id: str
    named: bool = True
    """Whether the options named the user (an email, a pending sign-in, a registration):
    then only that user's passkeys pass, and with ``user_id`` None (an unknown email) none
    does. False for the discoverable flow, where the user handle finds the account."""


class PasskeyChallenges:
    def __init__(self, store: ChallengeStore) -> None:
        self._store = store

    def start_registration(self, user_id: UserId, challenge: bytes, rp_id: str) -> None:
        pending = PendingCeremony(Ceremony.REGISTRATION, Flow.ENROLMENT, challenge, user_id, rp_id)
        self._store.put(_registration_key(user_id), _record(pending), CHALLENGE_TTL)

    def take_registration(self, user_id: UserId) -> PendingCeremony | None:
        """The user's pending registration, consumed; None when there is none (expired,
        used, or never asked for)."""
        pending = _parse(self._store.take(_registration_key(user_id)))
        return pending if pending and pending.ceremony is Ceremony.REGISTRATION else None

    def start_sign_in(
        self,
        reference: str,
        flow: Flow,
        challenge: bytes,
        rp_id: str,
        *,
        user_id: UserId | None,
        named: bool,
    ) -> None:
        pending = PendingCeremony(
            Ceremony.AUTHENTICATION, flow, challenge, user_id, rp_id, named=named
        )
        self._store.put(_sign_in_key(reference), _record(pending), CHALLENGE_TTL)

    def take_sign_in(self, reference: str, flow: Flow) -> PendingCeremony | None:
        """The sign-in challenge made for ``flow`` under ``reference``, consumed; None when
        there is none or it was made for another flow (it is gone either way)."""
        pending = _parse(self._store.take(_sign_in_key(reference)))
        if pending is None or pending.ceremony is not Ceremony.AUTHENTICATION:
            return None
        return pending if pending.flow is flow else None


def _registration_key(user_id: UserId) -> str:
    return f"passkey_registration:{user_id}"


def _sign_in_key(reference: str) -> str:
    return f"passkey_auth:{reference}"


def _record(pending: PendingCeremony) -> dict[str, str]:
    return {
        "ceremony": pending.ceremony.value,
        "flow": pending.flow.value,
        "challenge": encode_id(pending.challenge),
        "user_id": str(pending.user_id) if pending.user_id else "",
        "rp_id": pending.rp_id,
        "named": "1" if pending.named else "",
    }


def _parse(record: dict[str, str] | None) -> PendingCeremony | None:
    """None for a record this code did not write (a foreign or damaged value)."""
    if record is None:
        return None
    try:
        user = record["user_id"]
        return PendingCeremony(
            ceremony=Ceremony(record["ceremony"]),
            flow=Flow(record["flow"]),
            challenge=from_base64url(record["challenge"]),
            user_id=UserId(UUID(user)) if user else None,
            rp_id=record["rp_id"],
            named=bool(record.get("named")),
        )
    except (KeyError, ValueError):
        return None
