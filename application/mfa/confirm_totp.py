"""Authenticator-app setup, second half: a current code from the app turns it on.

Confirming takes the pending secret atomically (confirming twice fails the second time),
stores it sealed with the step that confirmed it (that code is then spent), and, for a
user's first factor, returns the backup codes, shown this once.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.factor_checks import FactorChecks
from application.mfa.changes import record_factor_change
from application.mfa.pending import PENDING_TTL, pending_totp_key
from application.ports.ephemeral import ChallengeStore
from application.ports.messaging import NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import SecretBox, TotpAlgorithm
from application.ports.system import Clock, IdGenerator
from domain.errors import (
    FactorAlreadyEnabledError,
    InvalidCodeError,
    NotFoundError,
    RateLimitedError,
)
from domain.events import EventType
from domain.factors import FactorKind, SecondFactor
from domain.ids import FactorId, UserId

MAX_CONFIRM_TRIES = 5


@dataclass(frozen=True, slots=True)
class ConfirmTotpCommand:
    user_id: UserId
    code: str


class ConfirmTotp:
    def __init__(
        self,
        uow: UnitOfWork,
        totp: TotpAlgorithm,
        box: SecretBox,
        store: ChallengeStore,
        checks: FactorChecks,
        notifier: Notifier,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._totp = totp
        self._box = box
        self._store = store
        self._checks = checks
        self._notifier = notifier
        self._clock = clock
        self._ids = ids

    def __call__(self, cmd: ConfirmTotpCommand) -> list[str]:
        """Return the new backup codes (empty when the user already has a set)."""
        key = pending_totp_key(cmd.user_id)
        if self._store.increment(key + ":tries", PENDING_TTL) > MAX_CONFIRM_TRIES:
            self._store.delete(key)
            raise RateLimitedError(
                PENDING_TTL,
                "Too many wrong codes: start the setup again.",
                bucket="totp-setup-attempts",
            )
        pending = self._store.get(key)
        if pending is None:
            raise InvalidCodeError("No authenticator setup is pending: start it again.")
        secret = self._box.open(pending["secret"]).decode()
        now = self._clock.now()
        step = self._totp.matching_step(secret, cmd.code.strip(), now)
        if step is None or self._store.take(key) is None:
            raise InvalidCodeError()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            if uow.factors.get(user.id, FactorKind.TOTP) is not None:
                raise FactorAlreadyEnabledError()
            first = not uow.factors.list_for_user(user.id)
            uow.factors.save(
                SecondFactor(
                    id=FactorId(self._ids.new()),
                    user_id=user.id,
                    kind=FactorKind.TOTP,
                    created_at=now,
                    secret=self._box.seal(secret.encode()),
                    last_step=step,
                    last_used_at=now,
                )
            )
            user.totp_enabled = True
            uow.users.save(user)
            codes = self._checks.replace_backup_codes(uow, user, now) if first else []
            record_factor_change(
                uow,
                self._notifier,
                user,
                event=EventType.MFA_TOTP_ENABLED,
                notice=NoticeKind.MFA_ENABLED,
                factor="totp",
                at=now,
            )
            uow.commit()
        return codes
