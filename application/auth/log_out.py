"""Sign the current device out."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.revocation import SessionRevoker
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.ids import SessionId, UserId
from domain.sessions import RevokeReason


@dataclass(frozen=True, slots=True)
class LogOutCommand:
    user_id: UserId
    session_id: SessionId


class LogOut:
    def __init__(self, uow: UnitOfWork, revoker: SessionRevoker, clock: Clock) -> None:
        self._uow = uow
        self._revoker = revoker
        self._clock = clock

    def __call__(self, cmd: LogOutCommand) -> None:
        with self._uow as uow:
            session = uow.sessions.get(cmd.session_id, for_update=True)
            if session is not None and session.user_id == cmd.user_id:
                self._revoker.revoke(uow, session, RevokeReason.LOGOUT, self._clock.now())
                uow.commit()
