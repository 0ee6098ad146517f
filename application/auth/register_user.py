"""Register without revealing who is registered.

Every path hashes the password, runs one transaction, charges the mail budget and queues
at most one notice, so the answer and its timing are the same whether the email is new,
pending or taken. A new or still-unverified account gets a code; the owner of a verified
account gets a notice instead. Re-registering an unverified email takes over its pending
password and voids older codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.codes import OneTimeCodes
from application.common.messages import announce
from application.common.notices import NoticeBudget
from application.common.password_rules import PasswordRules
from application.ports.messaging import EventPublisher, Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import PasswordHasher
from application.ports.system import Clock, IdGenerator
from domain.errors import EmailTakenError
from domain.events import EventDraft, EventType
from domain.ids import UserId
from domain.passwords import PasswordHash
from domain.users import User
from domain.values import EmailAddress, PersonName


@dataclass(frozen=True, slots=True)
class RegisterUserCommand:
    email: str
    password: str
    first_name: str
    last_name: str


@dataclass(frozen=True, slots=True)
class _Applicant:
    email: EmailAddress
    first_name: PersonName
    last_name: PersonName
    password: PasswordHash


class RegisterUser:
    def __init__(
        self,
        uow: UnitOfWork,
        rules: PasswordRules,
        hasher: PasswordHasher,
        codes: OneTimeCodes,
        budget: NoticeBudget,
        notifier: Notifier,
        publisher: EventPublisher,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._rules = rules
        self._hasher = hasher
        self._codes = codes
        self._budget = budget
        self._notifier = notifier
        self._publisher = publisher
        self._clock = clock
        self._ids = ids

    def __call__(self, cmd: RegisterUserCommand) -> None:
        email = EmailAddress.parse(cmd.email)
        first = PersonName.parse(cmd.first_name, "first_name")
        last = PersonName.parse(cmd.last_name, "last_name")
        self._rules.check(cmd.password, email.value, first.value, last.value)
        applicant = _Applicant(email, first, last, self._hasher.hash(cmd.password))
        may_mail = self._budget.allow("register", email.value)
        try:
            notice = self._register(applicant)
        except EmailTakenError:
            return  # a concurrent registration of the same email won; it sends the mail
        if may_mail:
            self._notifier.send(notice)

    def _register(self, applicant: _Applicant) -> Notice:
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get_by_email(applicant.email, for_update=True)
            if user is not None and user.email_verified:
                return Notice(NoticeKind.ACCOUNT_EXISTS, user.email.value, _greeting(user))
            if user is None:
                user = self._new_user(uow, applicant)
            else:
                user.replace_pending_registration(
                    applicant.password, applicant.first_name, applicant.last_name, now
                )
                uow.users.save(user)
            uow.commit()
        code = self._codes.issue(str(user.id), user.email.value)
        return Notice(NoticeKind.VERIFY_EMAIL, user.email.value, {**_greeting(user), "code": code})

    def _new_user(self, uow: UnitOfWork, applicant: _Applicant) -> User:
        now = self._clock.now()
        user = User(
            id=UserId(self._ids.new()),
            email=applicant.email,
            first_name=applicant.first_name,
            last_name=applicant.last_name,
            password=applicant.password,
            created_at=now,
            updated_at=now,
        )
        uow.users.add(user)
        uow.events.add(
            EventDraft(
                type=EventType.USER_REGISTERED,
                user_id=user.id,
                at=now,
                metadata={"method": "password"},
            )
        )
        uow.after_commit(lambda: announce(self._publisher, "user:created", user.id, user.id, now))
        return user


def _greeting(user: User) -> dict[str, str]:
    return {"first_name": user.first_name.value}
