"""Send a fresh verification code. The answer never tells whether the email is known."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.codes import OneTimeCodes
from application.common.notices import NoticeBudget
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class ResendVerificationCommand:
    email: str


class ResendVerification:
    """The new code replaces the old one but not its attempt budget (SECURITY RL-03)."""

    def __init__(
        self, uow: UnitOfWork, codes: OneTimeCodes, budget: NoticeBudget, notifier: Notifier
    ) -> None:
        self._uow = uow
        self._codes = codes
        self._budget = budget
        self._notifier = notifier

    def __call__(self, cmd: ResendVerificationCommand) -> None:
        email = EmailAddress.parse(cmd.email)
        may_mail = self._budget.allow("verify", email.value)
        with self._uow as uow:
            user = uow.users.get_by_email(email)
        if user is None or user.email_verified or not may_mail:
            return
        code = self._codes.issue(str(user.id), email.value)
        params = {"first_name": user.first_name.value, "code": code}
        self._notifier.send(Notice(NoticeKind.VERIFY_EMAIL, email.value, params))
