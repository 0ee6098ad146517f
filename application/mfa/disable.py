"""Turn a second factor off, with proof beyond the access token (SECURITY MF-04, TO-05).

Turning off the last factor also deletes the backup codes, which stand in for a factor
and mean nothing without one. The authenticator app cannot go while SMS codes remain:
SMS is offered only alongside it (SM-03).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.factor_checks import StepUp
from application.mfa.changes import record_factor_change
from application.ports.messaging import NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import FactorInUseError, FactorNotEnabledError, NotFoundError
from domain.events import EventType
from domain.factors import FactorKind
from domain.ids import UserId

_EVENTS = {FactorKind.TOTP: EventType.MFA_TOTP_DISABLED, FactorKind.SMS: EventType.MFA_SMS_DISABLED}


@dataclass(frozen=True, slots=True)
class DisableFactorCommand:
    user_id: UserId
    kind: FactorKind
    password: str | None = None
    code: str | None = None


class DisableFactor:
    def __init__(self, uow: UnitOfWork, step_up: StepUp, notifier: Notifier, clock: Clock) -> None:
        self._uow = uow
        self._step_up = step_up
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: DisableFactorCommand) -> None:
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            kinds = {factor.kind for factor in uow.factors.list_for_user(user.id)}
            if cmd.kind not in kinds:
                raise FactorNotEnabledError()
            if cmd.kind is FactorKind.TOTP and FactorKind.SMS in kinds:
                raise FactorInUseError()
            action = f"disable_{cmd.kind.value}"
            proof = self._step_up.prove(uow, user, cmd.password, cmd.code, now, action=action)
            uow.factors.delete(user.id, cmd.kind)
            if cmd.kind is FactorKind.TOTP:
                user.totp_enabled = False
                uow.users.save(user)
            if kinds == {cmd.kind}:
                uow.backup_codes.delete_all(user.id)
            record_factor_change(
                uow,
                self._notifier,
                user,
                event=_EVENTS[cmd.kind],
                notice=NoticeKind.MFA_DISABLED,
                factor=cmd.kind.value,
                at=now,
                metadata={"proof": proof},
            )
            uow.commit()
