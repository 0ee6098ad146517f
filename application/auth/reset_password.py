"""Set a new password with a reset token: once, and never as a way around a factor.

The token is consumed atomically (GETDEL) only after the new password passed the
policy, so a refused password does not burn the link. Every session of the user ends,
no tokens are issued, second factors stay on, and the user is told (PR-01..PR-03).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.auth.request_password_reset import latest_reset_key, reset_key
from application.common.password_rules import PasswordRules
from application.common.revocation import SessionRevoker
from application.ports.ephemeral import ChallengeStore
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.security import Digester, PasswordHasher
from application.ports.system import Clock
from domain.errors import InvalidResetTokenError
from domain.events import EventDraft, EventType
from domain.ids import UserId
from domain.passwords import PasswordHash
from domain.sessions import RevokeReason
from domain.users import User


@dataclass(frozen=True, slots=True)
class ResetPasswordCommand:
    token: str
    new_password: str


class ResetPassword:
    def __init__(
        self,
        uow: UnitOfWork,
        store: ChallengeStore,
        digester: Digester,
        rules: PasswordRules,
        hasher: PasswordHasher,
        revoker: SessionRevoker,
        notifier: Notifier,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._store = store
        self._digester = digester
        self._rules = rules
        self._hasher = hasher
        self._revoker = revoker
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: ResetPasswordCommand) -> None:
        digest = self._digester.digest(cmd.token)
        key = reset_key(digest)
        user = self._holder(self._store.get(key))
        context = (user.email.value, user.first_name.value, user.last_name.value)
        self._rules.check(cmd.new_password, *context, field="new_password")
        new_hash = self._hasher.hash(cmd.new_password)
        record = self._store.take(key)
        if record is None or record.get("user_id") != str(user.id):
            raise InvalidResetTokenError()
        latest = self._store.get(latest_reset_key(str(user.id)))
        if latest is None or not self._digester.same(latest.get("digest", ""), digest):
            raise InvalidResetTokenError()  # a newer request voided this token
        self._store.delete(latest_reset_key(str(user.id)))
        self._apply(user.id, record["email"], new_hash)

    def _holder(self, record: dict[str, str] | None) -> User:
        if record is None:
            raise InvalidResetTokenError()
        with self._uow as uow:
            user = uow.users.get(UserId(UUID(record["user_id"])))
        if user is None or user.email.value != record.get("email"):
            raise InvalidResetTokenError()
        return user

    def _apply(self, user_id: UserId, email: str, new_hash: PasswordHash) -> None:
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(user_id, for_update=True)
            if user is None or user.email.value != email:
                raise InvalidResetTokenError()
            user.set_password(new_hash, now)
            uow.users.save(user)
            revoked = self._revoker.revoke_all(uow, user.id, RevokeReason.PASSWORD_RESET, now)
            uow.events.add(
                EventDraft(
                    type=EventType.PASSWORD_RESET,
                    user_id=user.id,
                    at=now,
                    metadata={"sessions_revoked": revoked},
                )
            )
            params = {"first_name": user.first_name.value}
            uow.after_commit(
                lambda: self._notifier.send(Notice(NoticeKind.PASSWORD_RESET_DONE, email, params))
            )
            uow.commit()
