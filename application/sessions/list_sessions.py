"""``GET /me/sessions``: the signed-in user's devices."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import SessionView
from domain.ids import SessionId, UserId


@dataclass(frozen=True, slots=True)
class ListSessionsCommand:
    user_id: UserId
    current_session_id: SessionId


class ListSessions:
    """Every active, unexpired session, newest first; the caller's own is ``current``."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def __call__(self, cmd: ListSessionsCommand) -> list[SessionView]:
        with self._uow as uow:
            sessions = uow.sessions.list_active(cmd.user_id, self._clock.now())
        return [SessionView.of(session, cmd.current_session_id) for session in sessions]
