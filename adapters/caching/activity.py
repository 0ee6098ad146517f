"""``last_activity_at``, written at most once per ``ACTIVITY_WRITE_INTERVAL`` per session
and process: every authenticated call reports that its session was used, and a write per
call would put the database on the hot path. The memory is this process's own and bounded
(the least recently written sessions are forgotten first); forgetting one costs one early
write, never a missed one."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from threading import Lock

from application.ports.persistence import SessionActivity, UnitOfWork
from domain.ids import SessionId
from domain.sessions import ACTIVITY_WRITE_INTERVAL

REMEMBERED_SESSIONS = 10_000


class ThrottledSessionActivity(SessionActivity):
    """One per process."""

    def __init__(
        self, uow_factory: Callable[[], UnitOfWork], remembered: int = REMEMBERED_SESSIONS
    ) -> None:
        self._uow_factory = uow_factory
        self._remembered = remembered
        self._last_write: OrderedDict[SessionId, datetime] = OrderedDict()
        self._lock = Lock()

    def used(self, session_id: SessionId, at: datetime) -> None:
        if not self._due(session_id, at):
            return
        with self._uow_factory() as uow:
            uow.sessions.record_activity(session_id, at)
            uow.commit()

    def _due(self, session_id: SessionId, at: datetime) -> bool:
        with self._lock:
            last = self._last_write.get(session_id)
            if last is not None and at - last < ACTIVITY_WRITE_INTERVAL:
                return False
            self._last_write[session_id] = at
            self._last_write.move_to_end(session_id)
            if len(self._last_write) > self._remembered:
                self._last_write.popitem(last=False)
            return True
