"""Create an administrator from the command line (``bastion users create-admin``)."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.password_rules import PasswordRules
from application.ports.persistence import UnitOfWork
from application.ports.security import PasswordHasher
from application.ports.system import Clock, IdGenerator
from domain.events import EventDraft, EventType
from domain.ids import UserId
from domain.users import Role, User, UserProfile
from domain.values import EmailAddress, PersonName


@dataclass(frozen=True, slots=True)
class CreateAdminCommand:
    email: str
    password: str
    first_name: str = "Admin"
    last_name: str = "Bastion"


class CreateAdmin:
    """The operator vouches for the address, so it starts verified. The password policy
    applies as everywhere else; a taken email raises ``EmailTakenError``."""

    def __init__(
        self,
        uow: UnitOfWork,
        rules: PasswordRules,
        hasher: PasswordHasher,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._rules = rules
        self._hasher = hasher
        self._clock = clock
        self._ids = ids

    def __call__(self, cmd: CreateAdminCommand) -> UserProfile:
        email = EmailAddress.parse(cmd.email)
        first = PersonName.parse(cmd.first_name, "first_name")
        last = PersonName.parse(cmd.last_name, "last_name")
        self._rules.check(cmd.password, email.value, first.value, last.value)
        now = self._clock.now()
        user = User(
            id=UserId(self._ids.new()),
            email=email,
            first_name=first,
            last_name=last,
            password=self._hasher.hash(cmd.password),
            role=Role.ADMIN,
            email_verified=True,
            email_verified_at=now,
            created_at=now,
            updated_at=now,
        )
        with self._uow as uow:
            uow.users.add(user)
            uow.events.add(
                EventDraft(
                    type=EventType.USER_REGISTERED,
                    user_id=user.id,
                    at=now,
                    metadata={"method": "cli"},
                )
            )
            uow.commit()
        return UserProfile.of(user)
