"""``POST /me/email/verify``: switch to the new address once its code comes back
(the second half of ``request_email_change``; SECURITY EV-03)."""

from __future__ import annotations

from dataclasses import dataclass

from application.account.request_email_change import pending_key
from application.common.codes import OneTimeCodes
from application.common.messages import announce, rfc3339
from application.ports.ephemeral import ChallengeStore
from application.ports.messaging import EventPublisher, Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import SecretBox
from application.ports.system import Clock
from domain.errors import EmailTakenError, InvalidCodeError, NotFoundError
from domain.ids import SessionId, UserId
from domain.profile import change_email
from domain.users import UserProfile
from domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class ConfirmEmailChangeCommand:
    user_id: UserId
    session_id: SessionId
    code: str


class ConfirmEmailChange:
    """The try is counted before the code is compared, as for every code; an address
    another account took meanwhile answers 409 ``email_taken`` (case-insensitively)."""

    def __init__(
        self,
        uow: UnitOfWork,
        codes: OneTimeCodes,
        store: ChallengeStore,
        box: SecretBox,
        notifier: Notifier,
        publisher: EventPublisher,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._codes = codes
        self._store = store
        self._box = box
        self._notifier = notifier
        self._publisher = publisher
        self._clock = clock

    def __call__(self, cmd: ConfirmEmailChangeCommand) -> UserProfile:
        address = self._pending(cmd.user_id)
        self._codes.consume(str(cmd.user_id), address, cmd.code.strip())
        self._store.delete(pending_key(cmd.user_id))
        if not address:
            raise InvalidCodeError()
        new = EmailAddress(address)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            holder = uow.users.get_by_email(new)
            if holder is not None and holder.id != user.id:
                raise EmailTakenError()
            old = user.email.value
            uow.events.add(change_email(user, new, now, cmd.session_id))
            uow.users.save(user)
            notice = Notice(
                NoticeKind.EMAIL_CHANGED,
                old,
                {"first_name": user.first_name.value, "at": rfc3339(now)},
            )
            uow.after_commit(lambda: self._notifier.send(notice))
            uow.after_commit(
                lambda: announce(self._publisher, "user:updated", user.id, user.id, now)
            )
            uow.commit()
        return UserProfile.of(user)

    def _pending(self, user_id: UserId) -> str:
        """The sealed new address; empty when there is none (the code check then fails
        after counting the try, like any wrong code)."""
        record = self._store.get(pending_key(user_id))
        if record is None:
            return ""
        try:
            return self._box.open(record.get("email", "")).decode()
        except ValueError:
            return ""
