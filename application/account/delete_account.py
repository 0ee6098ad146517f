"""``DELETE /me``: delete the account and everything it owns (SECURITY EV-05, GDPR Art. 17).

Proof beyond the access token is required: the password, or a current authenticator or
backup code (a stolen access token alone cannot erase an account); an account with
neither (it signs in through a provider or a passkey only) proves it by a sign-in less
than 10 minutes old (``Presence``). In one
transaction every session is revoked through the revoker, so each lands in the
revocation outbox and is tombstoned in the cache after the commit (the access token
fails on its very next request, on every process), then the user row goes and the
database cascades to sessions, refresh tokens, events, factors, backup codes, tasks,
the trash and exports. The avatar and the export files are deleted after the commit (an
export job still running finds its export gone and removes its own file). What stays:
one ``account.deleted`` event that names no user (the audit trail keeps that a deletion
happened and how it was proved), and ``user:deleted`` carries only the id.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.messages import announce
from application.common.presence import Presence
from application.common.revocation import SessionRevoker
from application.ports.files import FileStore
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import NotFoundError
from domain.events import EventDraft, EventType
from domain.ids import SessionId, UserId
from domain.sessions import RevokeReason


@dataclass(frozen=True, slots=True)
class DeleteAccountCommand:
    user_id: UserId
    password: str | None = None
    code: str | None = None
    session_id: SessionId | None = None


class DeleteAccount:
    def __init__(
        self,
        uow: UnitOfWork,
        presence: Presence,
        revoker: SessionRevoker,
        files: FileStore,
        publisher: EventPublisher,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._presence = presence
        self._revoker = revoker
        self._files = files
        self._publisher = publisher
        self._clock = clock

    def __call__(self, cmd: DeleteAccountCommand) -> None:
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            proof = self._presence.prove(
                uow, user, cmd.session_id, cmd.password, cmd.code, now, action="delete_account"
            )
            self._revoker.revoke_all(uow, user.id, RevokeReason.ACCOUNT_DELETED, now)
            uow.events.add(
                EventDraft(
                    type=EventType.ACCOUNT_DELETED, user_id=None, at=now, metadata={"proof": proof}
                )
            )
            doomed = uow.exports.file_keys_for_user(user.id)
            if user.avatar_key:
                doomed.append(user.avatar_key)
            uow.users.delete(user.id)
            uow.after_commit(lambda: self._forget(doomed))
            uow.after_commit(
                lambda: announce(self._publisher, "user:deleted", user.id, user.id, now)
            )
            uow.commit()

    def _forget(self, keys: list[str]) -> None:
        for key in keys:
            self._files.delete(key)
