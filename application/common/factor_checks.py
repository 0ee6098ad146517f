"""Judging a second-factor code against what is stored, and proving presence for a
sensitive change (step-up). Shared by sign-in and by the factor management use cases.

TOTP: the code must match a step in T-1..T+1 *and* that step must be newer than the last
one accepted, recorded by a conditional UPDATE in the caller's transaction (SECURITY
TO-04), so a code is accepted once even when the short-lived store lost everything.
Backup codes are found by their keyed hash and spent by a conditional UPDATE (BC-02): one
cheap lookup per guess, not ten bcrypt checks (BC-03).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from application.common.throttle import Rule, Throttle
from application.ports.persistence import UnitOfWork
from application.ports.security import (
    Digester,
    PasswordHasher,
    SecretBox,
    SecretGenerator,
    TotpAlgorithm,
)
from application.ports.system import IdGenerator
from domain.errors import InvalidCredentialsError, InvalidSecondFactorError, ProofRequiredError
from domain.factors import (
    BACKUP_CODE_ALPHABET,
    BACKUP_CODE_COUNT,
    BACKUP_CODE_LENGTH,
    BackupCode,
    FactorKind,
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
    ) -> None:
        self._totp = totp
        self._box = box
        self._digester = digester
        self._secrets = secrets
        self._ids = ids

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
        spent = uow.backup_codes.spend(user.id, self.backup_hash(normalised), at)
        return Verdict.ACCEPTED if spent else Verdict.WRONG

    def backup_hash(self, normalised: str) -> str:
        return self._digester.keyed(normalised, BACKUP_CODE_PURPOSE)

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
                code_hash=self.backup_hash(code),
                created_at=at,
            )
            for code in plain
        ]
        uow.backup_codes.replace(user.id, stored)
        return [display_backup_code(code) for code in plain]


class StepUp:
    """Proof beyond the access token for a sensitive change (SECURITY MF-04): the password,
    a current authenticator code or a backup code. Failures count toward the account's
    second-factor budget, so step-up is no side door for guessing."""

    def __init__(self, hasher: PasswordHasher, checks: FactorChecks, throttle: Throttle) -> None:
        self._hasher = hasher
        self._checks = checks
        self._throttle = throttle

    def prove(
        self, uow: UnitOfWork, user: User, password: str | None, code: str | None, at: datetime
    ) -> str:
        """Return how the user proved it (``password``, ``totp``, ``backup_code``) or raise."""
        subject = str(user.id)
        if password:
            self._throttle.check(Rule.MFA_FAILURES, "", subject)
            if self._hasher.verify(password, user.password):
                return "password"
            self._throttle.spend(Rule.MFA_FAILURES, "", subject)
            raise InvalidCredentialsError("The password is not correct.")
        if code:
            self._throttle.check(Rule.MFA_FAILURES, "", subject)
            kind = "totp" if code.strip().isdigit() else "backup_code"
            check = self._checks.totp if kind == "totp" else self._checks.backup
            if check(uow, user, code, at) is Verdict.ACCEPTED:
                return kind
            self._throttle.spend(Rule.MFA_FAILURES, "", subject)
            raise InvalidSecondFactorError()
        raise ProofRequiredError()
