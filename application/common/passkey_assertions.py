"""Judging a passkey assertion against a taken challenge: the step passwordless sign-in and
the second step of a password sign-in share (SECURITY WA-01..WA-04, WA-06).

The credential must be registered, to the user the challenge named when it named one; a
user handle, when sent, must be its owner's (and must be sent when no user was named: the
discoverable flow finds the account from it). The signature is then checked, with user
verification required for a passwordless sign-in. Last comes the counter: a regression
(either counter non-zero and the new one not greater) is refused and recorded as
``passkey.counter_regression``; the new value is stored by a compare-and-set, so of two
assertions carrying one counter only one is accepted. Any refusal is the same to the
client; the reason goes to the log (never key material).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from application.common.passkey_challenges import Flow, PendingCeremony
from application.ports.persistence import UnitOfWork
from application.ports.webauthn import (
    AssertionClaim,
    CeremonyRejectedError,
    CredentialJson,
    PasskeyCeremonies,
    VerifiedAssertion,
)
from domain.events import EventDraft, EventType
from domain.passkeys import Passkey, counter_regressed

log = logging.getLogger("bastion.passkeys")


class Judgement(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    REGRESSED = "counter_regression"


@dataclass(frozen=True, slots=True)
class Judged:
    judgement: Judgement
    passkey: Passkey | None = None
    """The passkey as it stands after an accepted assertion."""


class PasskeyAssertions:
    def __init__(self, ceremonies: PasskeyCeremonies) -> None:
        self._ceremonies = ceremonies

    def judge(
        self, uow: UnitOfWork, credential: CredentialJson, pending: PendingCeremony, at: datetime
    ) -> Judged:
        """Inside the caller's transaction; an accepted assertion's counter is stored in it,
        a regression's event is kept whatever becomes of it (``record_refusal``)."""
        try:
            passkey = self._owned(uow, self._ceremonies.read_assertion(credential), pending)
            verified = self._ceremonies.verify_assertion(
                credential,
                challenge=pending.challenge,
                public_key=passkey.public_key,
                require_user_verification=pending.flow is Flow.PASSWORDLESS,
            )
        except CeremonyRejectedError as refusal:
            log.info("passkey assertion refused: %s", refusal.reason)
            return Judged(Judgement.REFUSED)
        if not self._stored(uow, passkey, verified, at):
            log.warning("passkey counter regression refused")
            uow.record_refusal(
                EventDraft(
                    type=EventType.PASSKEY_COUNTER_REGRESSION,
                    user_id=passkey.user_id,
                    at=at,
                    metadata={"flow": pending.flow.value},
                )
            )
            return Judged(Judgement.REGRESSED, passkey)
        passkey.counter, passkey.backed_up, passkey.last_used_at = (
            verified.counter,
            verified.backed_up,
            at,
        )
        return Judged(Judgement.ACCEPTED, passkey)

    def _owned(self, uow: UnitOfWork, claim: AssertionClaim, pending: PendingCeremony) -> Passkey:
        """The registered passkey the assertion names, tied to its owner (WA-06)."""
        if pending.rp_id != self._ceremonies.rp_id:
            raise CeremonyRejectedError("rp_id")
        passkey = uow.passkeys.get(claim.credential_id)
        if passkey is None:
            raise CeremonyRejectedError("unknown_credential")
        if pending.named and passkey.user_id != pending.user_id:
            raise CeremonyRejectedError("another_users_credential")
        if claim.user_handle is None:
            if not pending.named:
                raise CeremonyRejectedError("user_handle")
            return passkey
        if claim.user_handle != uow.passkeys.handle_of(passkey.user_id):
            raise CeremonyRejectedError("user_handle")
        return passkey

    @staticmethod
    def _stored(
        uow: UnitOfWork, passkey: Passkey, verified: VerifiedAssertion, at: datetime
    ) -> bool:
        if counter_regressed(passkey.counter, verified.counter):
            return False
        return uow.passkeys.record_use(
            passkey.id,
            seen=passkey.counter,
            presented=verified.counter,
            backed_up=verified.backed_up,
            at=at,
        )
