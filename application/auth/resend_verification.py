"""Send a fresh verification code, without telling whether the email is known: the
request only defers the work, at the same cost for every email (SECURITY EN-02)."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.codes import OneTimeCodes
from application.common.notices import NoticeBudget
from application.ports.messaging import BackgroundTasks, Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from domain.values import EmailAddress

SEND_VERIFICATION = "send_verification"


@dataclass(frozen=True, slots=True)
class ResendVerificationCommand:
    email: str


class ResendVerification:
    """The request path: one indexed read, whose answer is not used here — it costs the
    same for every email and makes a database outage a 503 like everywhere else — then
    one queued task."""

    def __init__(self, uow: UnitOfWork, tasks: BackgroundTasks) -> None:
        self._uow = uow
        self._tasks = tasks

    def __call__(self, cmd: ResendVerificationCommand) -> None:
        email = EmailAddress.parse(cmd.email)
        with self._uow as uow:
            uow.users.get_by_email(email)
        self._tasks.defer(SEND_VERIFICATION, {"email": email.value})


class SendVerification:
    """The deferred half. The new code replaces the old one but not its attempt budget
    (SECURITY RL-03)."""

    def __init__(
        self, uow: UnitOfWork, codes: OneTimeCodes, budget: NoticeBudget, notifier: Notifier
    ) -> None:
        self._uow = uow
        self._codes = codes
        self._budget = budget
        self._notifier = notifier

    def __call__(self, email_address: str) -> None:
        email = EmailAddress.parse(email_address)
        if not self._budget.allow("verify", email.value):
            return
        with self._uow as uow:
            user = uow.users.get_by_email(email)
        if user is None or user.email_verified:
            return
        code = self._codes.issue(str(user.id), email.value)
        params = {"first_name": user.first_name.value, "code": code}
        self._notifier.send(Notice(NoticeKind.VERIFY_EMAIL, email.value, params))
