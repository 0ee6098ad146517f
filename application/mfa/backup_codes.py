"""Replace the whole set of backup codes (SECURITY BC-01, MF-04): the old ones stop
working at once, the new ones are shown this once."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.factor_checks import FactorChecks, StepUp
from application.mfa.changes import record_factor_change
from application.ports.messaging import NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import FactorNotEnabledError, NotFoundError
from domain.events import EventType
from domain.ids import UserId


@dataclass(frozen=True, slots=True)
class RegenerateBackupCodesCommand:
    user_id: UserId
    password: str | None = None
    code: str | None = None


class RegenerateBackupCodes:
    def __init__(
        self,
        uow: UnitOfWork,
        step_up: StepUp,
        checks: FactorChecks,
        notifier: Notifier,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._step_up = step_up
        self._checks = checks
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: RegenerateBackupCodesCommand) -> list[str]:
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            if not uow.factors.list_for_user(user.id):
                raise FactorNotEnabledError("Backup codes need a second factor: enable one first.")
            proof = self._step_up.prove(
                uow, user, cmd.password, cmd.code, now, action="regenerate_backup_codes"
            )
            codes = self._checks.replace_backup_codes(uow, user, now)
            record_factor_change(
                uow,
                self._notifier,
                user,
                event=EventType.MFA_BACKUP_CODES_REGENERATED,
                notice=NoticeKind.BACKUP_CODES_REGENERATED,
                factor="backup_codes",
                at=now,
                metadata={"proof": proof, "count": len(codes)},
            )
            uow.commit()
        return codes
