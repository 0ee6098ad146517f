"""``DELETE /me/sessions/{id}``: sign one device out."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.revocation import SessionRevoker
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import NotFoundError
from domain.ids import SessionId, UserId
from domain.sessions import RevokeReason


@dataclass(frozen=True, slots=True)
class RevokeSessionCommand:
    user_id: UserId
    session_id: SessionId


class RevokeSession:
    """Another user's session reads as not found, never forbidden, so ids reveal
    nothing; so does one that already ended. Revoking needs no re-authentication: it
    only ever takes access away (SECURITY D10). It ends at once on every process."""

    def __init__(self, uow: UnitOfWork, revoker: SessionRevoker, clock: Clock) -> None:
        self._uow = uow
        self._revoker = revoker
        self._clock = clock

    def __call__(self, cmd: RevokeSessionCommand) -> None:
        now = self._clock.now()
        with self._uow as uow:
            session = uow.sessions.get(cmd.session_id, for_update=True)
            if session is None or session.user_id != cmd.user_id or not session.is_active(now):
                raise NotFoundError("No such session.")
            self._revoker.revoke(uow, session, RevokeReason.USER, now)
            uow.commit()
