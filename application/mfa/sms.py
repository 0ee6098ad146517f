"""SMS codes as a second factor: a number in E.164, confirmed by a code sent to it.

SMS is a restricted authenticator (NIST 800-63B §3.1.3.3): it is offered only alongside
an authenticator app (SECURITY SM-03). Changing the number of an enabled SMS factor is
binding a new authenticator, so it needs the password or a current code (MF-04), and the
old number keeps receiving codes until the new one is confirmed (SM-04).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.client import ClientContext
from application.common.codes import OneTimeCodes
from application.common.factor_checks import StepUp
from application.common.texting import SmsCodes
from application.mfa.changes import record_factor_change
from application.ports.ephemeral import ChallengeStore
from application.ports.identity import PhoneNumberParser
from application.ports.messaging import NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import SecretBox
from application.ports.system import Clock, IdGenerator
from domain.errors import InvalidCodeError, NotFoundError, StrongerFactorRequiredError
from domain.events import EventType
from domain.factors import FactorKind, SecondFactor
from domain.ids import FactorId, UserId
from domain.values import PhoneNumber

PENDING_TTL = 600


def _pending_key(user_id: UserId) -> str:
    return f"pending_sms:{user_id}"


@dataclass(frozen=True, slots=True)
class StartSmsSetupCommand:
    user_id: UserId
    phone: str
    client: ClientContext
    password: str | None = None
    code: str | None = None


class StartSmsSetup:
    def __init__(
        self,
        uow: UnitOfWork,
        phones: PhoneNumberParser,
        step_up: StepUp,
        codes: OneTimeCodes,
        sms: SmsCodes,
        box: SecretBox,
        store: ChallengeStore,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._phones = phones
        self._step_up = step_up
        self._codes = codes
        self._sms = sms
        self._box = box
        self._store = store
        self._clock = clock

    def __call__(self, cmd: StartSmsSetupCommand) -> None:
        phone = self._phones.parse(cmd.phone)
        with self._uow as uow:
            user = uow.users.get(cmd.user_id)
            if user is None:
                raise NotFoundError()
            if uow.factors.get(user.id, FactorKind.TOTP) is None:
                raise StrongerFactorRequiredError()
            if uow.factors.get(user.id, FactorKind.SMS) is not None:
                self._step_up.prove(uow, user, cmd.password, cmd.code, self._clock.now())
                uow.commit()  # a code used as proof is spent
        self._store.put(
            _pending_key(user.id), {"phone": self._box.seal(phone.value.encode())}, PENDING_TTL
        )
        self._sms.send(
            self._codes,
            subject=str(user.id),
            phone=phone,
            user_id=user.id,
            client=cmd.client,
            purpose="verification",
        )


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
        pending = self._store.get(_pending_key(cmd.user_id))
        if pending is None:
            raise InvalidCodeError("No SMS setup is pending: start it again.")
        phone = PhoneNumber(self._box.open(pending["phone"]).decode())
        self._codes.consume(str(cmd.user_id), phone.value, cmd.code.strip())
        self._store.delete(_pending_key(cmd.user_id))
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
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
