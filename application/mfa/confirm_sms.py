"""SMS codes as a second factor, second half: the texted code turns them on. The
authenticator app is checked again here, so a factor that was turned off meanwhile
cannot leave SMS as the only one (SECURITY SM-03)."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.codes import OneTimeCodes
from application.mfa.changes import record_factor_change
from application.mfa.pending import pending_sms_key
from application.ports.ephemeral import ChallengeStore
from application.ports.messaging import NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import SecretBox
from application.ports.system import Clock, IdGenerator
from domain.errors import InvalidCodeError, NotFoundError, StrongerFactorRequiredError
from domain.events import EventType
from domain.factors import FactorKind, SecondFactor
from domain.ids import FactorId, UserId
from domain.values import PhoneNumber


@dataclass(frozen=True, slots=True)
class ConfirmSmsCommand:
    user_id: UserId
    code: str


class ConfirmSms:
    def __init__(
        self,
        uow: UnitOfWork,
        codes: OneTimeCodes,
        box: SecretBox,
        store: ChallengeStore,
        notifier: Notifier,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._codes = codes
        self._box = box
        self._store = store
        self._notifier = notifier
        self._clock = clock
        self._ids = ids

    def __call__(self, cmd: ConfirmSmsCommand) -> None:
        pending = self._store.get(pending_sms_key(cmd.user_id))
        if pending is None:
            raise InvalidCodeError("No SMS setup is pending: start it again.")
        phone = PhoneNumber(self._box.open(pending["phone"]).decode())
        self._codes.consume(str(cmd.user_id), phone.value, cmd.code.strip())
        self._store.delete(pending_sms_key(cmd.user_id))
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            if uow.factors.get(user.id, FactorKind.TOTP) is None:
                raise StrongerFactorRequiredError()
            uow.factors.save(
                SecondFactor(
                    id=FactorId(self._ids.new()),
                    user_id=user.id,
                    kind=FactorKind.SMS,
                    created_at=now,
                    phone=phone,
                )
            )
            if user.phone == phone and not user.phone_verified:
                uow.events.add(user.verify_phone(now))
                uow.users.save(user)
            record_factor_change(
                uow,
                self._notifier,
                user,
                event=EventType.MFA_SMS_ENABLED,
                notice=NoticeKind.MFA_ENABLED,
                factor="sms",
                at=now,
            )
            uow.commit()
