"""``POST /me/sessions/revoke-others``: sign every other device out."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.revocation import SessionRevoker
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.ids import SessionId, UserId
from domain.sessions import RevokeReason


@dataclass(frozen=True, slots=True)
class RevokeOtherSessionsCommand:
    user_id: UserId
    session_id: SessionId


class RevokeOtherSessions:
    """Keeps the caller's own session; returns how many others ended."""

    def __init__(self, uow: UnitOfWork, revoker: SessionRevoker, clock: Clock) -> None:
        self._uow = uow
        self._revoker = revoker
        self._clock = clock

    def __call__(self, cmd: RevokeOtherSessionsCommand) -> int:
        with self._uow as uow:
            revoked = self._revoker.revoke_all(
                uow, cmd.user_id, RevokeReason.USER, self._clock.now(), keep=cmd.session_id
            )
            uow.commit()
        return revoked
