"""Mail a single-use reset token, without telling whether the email has an account.

The request only defers the work (SECURITY EN-02): every email, known or not, costs the
same queueing step, and the lookup, the token and the mail happen in the background. The
token (256 bits) is kept only as a SHA-256 digest for 30 minutes; the newest request's
token is the only one a reset accepts, and each address gets at most a few mails an hour
(PR-01, PR-04).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.notices import NoticeBudget
from application.ports.ephemeral import ChallengeStore
from application.ports.messaging import BackgroundTasks, Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import Digester, SecretGenerator
from application.ports.system import Clock
from domain.events import EventDraft, EventType
from domain.users import UserStatus
from domain.values import EmailAddress

RESET_TTL_SECONDS = 1800
SEND_PASSWORD_RESET = "send_password_reset"


def reset_key(digest: str) -> str:
    return f"password_reset:{digest}"


def latest_reset_key(user_id: str) -> str:
    return f"password_reset_latest:{user_id}"


@dataclass(frozen=True, slots=True)
class RequestPasswordResetCommand:
    email: str


class RequestPasswordReset:
    """The request path: one indexed read, whose answer is not used here — it costs the
    same for every email and makes a database outage a 503 like everywhere else — then
    one queued task."""

    def __init__(self, uow: UnitOfWork, tasks: BackgroundTasks) -> None:
        self._uow = uow
        self._tasks = tasks

    def __call__(self, cmd: RequestPasswordResetCommand) -> None:
        email = EmailAddress.parse(cmd.email)
        with self._uow as uow:
            uow.users.get_by_email(email)
        self._tasks.defer(SEND_PASSWORD_RESET, {"email": email.value})


class SendPasswordReset:
    """The deferred half: runs on a worker (or a background thread), never in a request."""

    def __init__(
        self,
        uow: UnitOfWork,
        store: ChallengeStore,
        secrets: SecretGenerator,
        digester: Digester,
        budget: NoticeBudget,
        notifier: Notifier,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._store = store
        self._secrets = secrets
        self._digester = digester
        self._budget = budget
        self._notifier = notifier
        self._clock = clock

    def __call__(self, email_address: str) -> None:
        email = EmailAddress.parse(email_address)
        if not self._budget.allow("reset", email.value):
            return
        with self._uow as uow:
            user = uow.users.get_by_email(email)
            if user is None or user.status is not UserStatus.ACTIVE:
                return
            uow.events.add(
                EventDraft(
                    type=EventType.PASSWORD_RESET_REQUESTED, user_id=user.id, at=self._clock.now()
                )
            )
            uow.commit()
        token = self._secrets.token(32)
        self._replace_token(str(user.id), self._digester.digest(token), email.value)
        params = {"first_name": user.first_name.value, "token": token}
        self._notifier.send(Notice(NoticeKind.PASSWORD_RESET, email.value, params))

    def _replace_token(self, user_id: str, digest: str, email: str) -> None:
        older = self._store.get(latest_reset_key(user_id))
        if older is not None:
            self._store.delete(reset_key(older["digest"]))
        self._store.put(reset_key(digest), {"user_id": user_id, "email": email}, RESET_TTL_SECONDS)
        self._store.put(latest_reset_key(user_id), {"digest": digest}, RESET_TTL_SECONDS)
