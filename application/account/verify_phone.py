"""Confirm the profile phone with an SMS code (``phone_verified``, ``phone_verified_at``).

The code lives at ``phone_verification:{userId}``, bound to the number it went to: a
number changed in between does not get verified by a code sent to the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.client import ClientContext
from application.common.codes import OneTimeCodes
from application.common.messages import announce
from application.common.texting import SmsCodes
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import InvalidCodeError, NotFoundError, PhoneNotSetError
from domain.ids import UserId


@dataclass(frozen=True, slots=True)
class SendPhoneCodeCommand:
    user_id: UserId
    client: ClientContext


class SendPhoneCode:
    def __init__(self, uow: UnitOfWork, codes: OneTimeCodes, sms: SmsCodes) -> None:
        self._uow = uow
        self._codes = codes
        self._sms = sms

    def __call__(self, cmd: SendPhoneCodeCommand) -> None:
        with self._uow as uow:
            user = uow.users.get(cmd.user_id)
        if user is None:
            raise NotFoundError()
        if user.phone is None or user.phone_verified:
            raise PhoneNotSetError()
        self._sms.send(
            self._codes,
            subject=str(user.id),
            phone=user.phone,
            user_id=user.id,
            client=cmd.client,
            purpose="phone verification",
        )


@dataclass(frozen=True, slots=True)
class ConfirmPhoneCommand:
    user_id: UserId
    code: str


class ConfirmPhone:
    def __init__(
        self, uow: UnitOfWork, codes: OneTimeCodes, publisher: EventPublisher, clock: Clock
    ) -> None:
        self._uow = uow
        self._codes = codes
        self._publisher = publisher
        self._clock = clock

    def __call__(self, cmd: ConfirmPhoneCommand) -> None:
        with self._uow as uow:
            pending = uow.users.get(cmd.user_id)
        if pending is None or pending.phone is None or pending.phone_verified:
            raise InvalidCodeError()
        self._codes.consume(str(pending.id), pending.phone.value, cmd.code.strip())
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None or user.phone != pending.phone:
                raise InvalidCodeError()
            if not user.phone_verified:
                uow.events.add(user.verify_phone(now))
                uow.users.save(user)
                uow.after_commit(
                    lambda: announce(self._publisher, "user:updated", user.id, user.id, now)
                )
            uow.commit()
