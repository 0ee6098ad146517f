"""Change one's password: the current one is required, other sessions end, the user is told."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.password_rules import PasswordRules
from application.common.revocation import SessionRevoker
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import PasswordHasher
from application.ports.system import Clock
from domain.errors import InvalidCredentialsError, NotFoundError
from domain.events import EventDraft, EventType
from domain.ids import SessionId, UserId
from domain.sessions import RevokeReason


@dataclass(frozen=True, slots=True)
class ChangePasswordCommand:
    user_id: UserId
    session_id: SessionId
    current_password: str
    new_password: str


class ChangePassword:
    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        rules: PasswordRules,
        revoker: SessionRevoker,
        notifier: Notifier,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._rules = rules
        self._revoker = revoker
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: ChangePasswordCommand) -> None:
        with self._uow as uow:
            known = uow.users.get(cmd.user_id)
        if known is None:
            raise NotFoundError()
        if not self._hasher.verify(cmd.current_password, known.password):
            raise InvalidCredentialsError("The current password is not correct.")
        context = (known.email.value, known.first_name.value, known.last_name.value)
        self._rules.check(cmd.new_password, *context, field="new_password")
        new_hash = self._hasher.hash(cmd.new_password)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            user.set_password(new_hash, now)
            uow.users.save(user)
            revoked = self._revoker.revoke_all(
                uow, user.id, RevokeReason.PASSWORD_CHANGED, now, keep=cmd.session_id
            )
            uow.events.add(
                EventDraft(
                    type=EventType.PASSWORD_CHANGED,
                    user_id=user.id,
                    session_id=cmd.session_id,
                    at=now,
                    metadata={"sessions_revoked": revoked},
                )
            )
            notice = Notice(
                NoticeKind.PASSWORD_CHANGED, user.email.value, {"first_name": user.first_name.value}
            )
            uow.after_commit(lambda: self._notifier.send(notice))
            uow.commit()
