"""Judging a second-factor code against what is stored, and proving presence for a
sensitive change (step-up). Shared by sign-in and by the factor management use cases.

TOTP: the code must match a step in T-1..T+1 *and* that step must be newer than the last
one accepted, recorded by a conditional UPDATE in the caller's transaction (SECURITY
TO-04), so a code is accepted once even when the short-lived store lost everything.
Backup codes are found by their keyed hash and spent by a conditional UPDATE (BC-02): one
cheap lookup per guess, not ten bcrypt checks (BC-03); every spend, wherever it happens,
is recorded and the user told. SMS codes are bound to the request that sent them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from application.common.codes import OneTimeCodes
from application.common.messages import rfc3339
from application.common.throttle import Rule, Throttle
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import (
    Digester,
    PasswordHasher,
    SecretBox,
    SecretGenerator,
    TotpAlgorithm,
)
from application.ports.system import IdGenerator
from domain.errors import (
    InvalidCodeError,
    InvalidCredentialsError,
    InvalidSecondFactorError,
    ProofRequiredError,
    RateLimitedError,
)
from domain.events import EventDraft, EventType
from domain.factors import (
    BACKUP_CODE_ALPHABET,
    BACKUP_CODE_COUNT,
    BACKUP_CODE_LENGTH,
    BackupCode,
    FactorKind,
    LoginMethod,
    display_backup_code,
    normalise_backup_code,
)
from domain.ids import BackupCodeId
from domain.users import User

BACKUP_CODE_PURPOSE = "backup-code"


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    WRONG = "wrong_code"
    REPLAY = "replay"


class FactorChecks:
    def __init__(
        self,
        totp: TotpAlgorithm,
        box: SecretBox,
        digester: Digester,
        secrets: SecretGenerator,
        ids: IdGenerator,
        sms_codes: OneTimeCodes,
        notifier: Notifier,
    ) -> None:
        self._totp = totp
        self._box = box
        self._digester = digester
        self._secrets = secrets
        self._ids = ids
        self._sms_codes = sms_codes
        self._notifier = notifier

    def judge(
        self,
        uow: UnitOfWork,
        user: User,
        method: LoginMethod,
        code: str,
        at: datetime,
        sms_subject: str = "",
    ) -> Verdict:
        """``sms_subject`` is what the SMS code was sent for (a sign-in attempt). A passkey
        is no code: its assertion is judged by ``PasskeyAssertions``."""
        if method is LoginMethod.TOTP:
            return self.totp(uow, user, code, at)
        if method is LoginMethod.BACKUP_CODE:
            return self.backup(uow, user, code, at)
        if method is LoginMethod.SMS:
            return self._sms(uow, user, sms_subject, code)
        return Verdict.WRONG

    def totp(self, uow: UnitOfWork, user: User, code: str, at: datetime) -> Verdict:
        factor = uow.factors.get(user.id, FactorKind.TOTP)
        if factor is None or factor.secret is None:
            return Verdict.WRONG
        secret = self._box.open(factor.secret).decode()
        step = self._totp.matching_step(secret, code.strip(), at)
        if step is None:
            return Verdict.WRONG
        if not uow.factors.advance_totp_step(user.id, step, at):
            return Verdict.REPLAY
        return Verdict.ACCEPTED

    def backup(self, uow: UnitOfWork, user: User, code: str, at: datetime) -> Verdict:
        normalised = normalise_backup_code(code)
        if len(normalised) != BACKUP_CODE_LENGTH:
            return Verdict.WRONG
        if not uow.backup_codes.spend(user.id, self._backup_hash(normalised), at):
            return Verdict.WRONG
        self._note_backup_code_used(uow, user, at)
        return Verdict.ACCEPTED

    def replace_backup_codes(self, uow: UnitOfWork, user: User, at: datetime) -> list[str]:
        """Store a fresh set (hashes only) in place of the old one; return it to show once."""
        plain = [
            self._secrets.text(BACKUP_CODE_LENGTH, BACKUP_CODE_ALPHABET)
            for _ in range(BACKUP_CODE_COUNT)
        ]
        stored = [
            BackupCode(
                id=BackupCodeId(self._ids.new()),
                user_id=user.id,
                code_hash=self._backup_hash(code),
                created_at=at,
            )
            for code in plain
        ]
        uow.backup_codes.replace(user.id, stored)
        return [display_backup_code(code) for code in plain]

    def _sms(self, uow: UnitOfWork, user: User, subject: str, code: str) -> Verdict:
        factor = uow.factors.get(user.id, FactorKind.SMS)
        if factor is None or factor.phone is None or not subject:
            return Verdict.WRONG
        try:
            self._sms_codes.consume(subject, factor.phone.value, code.strip())
        except (InvalidCodeError, RateLimitedError):
            return Verdict.WRONG
        return Verdict.ACCEPTED

    def _backup_hash(self, normalised: str) -> str:
        return self._digester.keyed(normalised, BACKUP_CODE_PURPOSE)

    def _note_backup_code_used(self, uow: UnitOfWork, user: User, at: datetime) -> None:
        left = uow.backup_codes.count_unused(user.id)
        uow.events.add(
            EventDraft(
                type=EventType.MFA_BACKUP_CODE_USED,
                user_id=user.id,
                at=at,
                metadata={"codes_left": left},
            )
        )
        notice = Notice(
            NoticeKind.BACKUP_CODE_USED,
            user.email.value,
            {"first_name": user.first_name.value, "codes_left": str(left), "at": rfc3339(at)},
        )
        uow.after_commit(lambda: self._notifier.send(notice))


class StepUp:
    """Proof beyond the access token for a sensitive change (SECURITY MF-04): the password,
    a current authenticator code or a backup code. Each try is charged to the account's
    second-factor budget *before* it is judged, so parallel guesses cannot outrun the cap;
    a success clears it."""

    def __init__(
        self,
        hasher: PasswordHasher,
        checks: FactorChecks,
        throttle: Throttle,
    ) -> None:
        self._hasher = hasher
        self._checks = checks
        self._throttle = throttle

    def prove(
        self,
        uow: UnitOfWork,
        user: User,
        password: str | None,
        code: str | None,
        at: datetime,
        *,
        action: str,
    ) -> str:
        """Return how the user proved it (``password``, ``totp``, ``backup_code``) or raise.
        A refusal is logged as ``step_up.failed`` for ``action`` with
        ``uow.record_refusal``: the caller's transaction rolls back and holds the user row
        until then (SECURITY LO-01)."""
        if not password and not code:
            raise ProofRequiredError()
        account = str(user.id)
        self._throttle.charge(Rule.MFA_FAILURES, "", account)
        if password:
            if not self._hasher.verify(password, user.password):
                _record_failure(uow, user, action, "wrong_password", at)
                raise InvalidCredentialsError("The password is not correct.")
            proof = "password"
        else:
            method = LoginMethod.TOTP if (code or "").strip().isdigit() else LoginMethod.BACKUP_CODE
            if self._checks.judge(uow, user, method, code or "", at) is not Verdict.ACCEPTED:
                _record_failure(uow, user, action, "wrong_code", at)
                raise InvalidSecondFactorError()
            proof = method.value
        self._throttle.forgive(Rule.MFA_FAILURES, "", account)
        return proof


def _record_failure(uow: UnitOfWork, user: User, action: str, reason: str, at: datetime) -> None:
    draft = EventDraft(
        type=EventType.STEP_UP_FAILED,
        user_id=user.id,
        at=at,
        metadata={"action": action, "reason": reason},
    )
    uow.record_refusal(draft)
