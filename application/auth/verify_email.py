"""Confirm an email address with the 6-digit code that was mailed to it."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.codes import OneTimeCodes
from application.common.messages import announce
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.security import Digester
from application.ports.system import Clock
from domain.errors import InvalidCodeError
from domain.users import UserProfile
from domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class VerifyEmailCommand:
    email: str
    code: str


class VerifyEmail:
    """Unknown, verified and wrong all answer ``invalid_code``; the attempt budget is
    charged before comparing, so guesses beyond it are never evaluated."""

    def __init__(
        self,
        uow: UnitOfWork,
        codes: OneTimeCodes,
        digester: Digester,
        publisher: EventPublisher,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._codes = codes
        self._digester = digester
        self._publisher = publisher
        self._clock = clock

    def __call__(self, cmd: VerifyEmailCommand) -> UserProfile:
        email = EmailAddress.parse(cmd.email)
        with self._uow as uow:
            pending = uow.users.get_by_email(email)
        if pending is None or pending.email_verified:
            # The same store round trips as a real check, so a store outage answers 503
            # for every email alike and the timing tells nothing (SECURITY EN-02).
            self._codes.consume(f"none:{self._digester.digest(email.value)}", email.value, "")
            raise InvalidCodeError()
        self._codes.consume(str(pending.id), email.value, cmd.code)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(pending.id, for_update=True)
            if user is None:
                raise InvalidCodeError()
            if not user.email_verified:
                uow.events.add(user.verify_email(now))
                uow.users.save(user)
                uow.after_commit(
                    lambda: announce(self._publisher, "user:updated", user.id, user.id, now)
                )
            uow.commit()
        return UserProfile.of(user)
