"""``last_activity_at`` at most once a minute per session and process, never less."""

from __future__ import annotations

from datetime import timedelta

from adapters.caching.activity import ThrottledSessionActivity
from adapters.memory.persistence import MemoryDatabase, MemoryUnitOfWork
from application.ports.persistence import UnitOfWork
from domain.sessions import ACTIVITY_WRITE_INTERVAL
from tests.contracts.persistence_backends import CountingIds, a_session, a_user, store
from tests.support.clock import ManualClock


class Recorded:
    """A store that counts the units of work opened on it."""

    def __init__(self) -> None:
        self.db = MemoryDatabase()
        self.opened = 0

    def uow(self) -> UnitOfWork:
        self.opened += 1
        return MemoryUnitOfWork(self.db, CountingIds())


def test_a_session_used_all_minute_is_written_once_then_again() -> None:
    clock, recorded = ManualClock(), Recorded()
    user = a_user()
    session = a_session(user)
    store(recorded.uow, user, session)
    activity = ThrottledSessionActivity(recorded.uow)
    opened = recorded.opened

    for _ in range(30):
        activity.used(session.id, clock.now())
        clock.advance(1)
    assert recorded.opened == opened + 1

    clock.advance(ACTIVITY_WRITE_INTERVAL.total_seconds())
    activity.used(session.id, clock.now())
    assert recorded.opened == opened + 2
    with recorded.uow() as uow:
        found = uow.sessions.get(session.id)
    assert found is not None
    assert found.last_activity_at == clock.now()


def test_each_session_has_its_own_minute() -> None:
    clock, recorded = ManualClock(), Recorded()
    activity = ThrottledSessionActivity(recorded.uow)
    user = a_user()
    first, second = a_session(user), a_session(user)
    store(recorded.uow, user, first, second)
    opened = recorded.opened

    for session in (first, second, first, second):
        activity.used(session.id, clock.now())

    assert recorded.opened == opened + 2


def test_a_forgotten_session_is_written_early_never_late() -> None:
    clock, recorded = ManualClock(), Recorded()
    activity = ThrottledSessionActivity(recorded.uow, remembered=2)
    user = a_user()
    sessions = [a_session(user) for _ in range(3)]
    store(recorded.uow, user, *sessions)
    opened = recorded.opened

    for session in sessions:
        activity.used(session.id, clock.now())
    clock.advance(timedelta(seconds=5).total_seconds())
    activity.used(sessions[0].id, clock.now())  # the oldest was forgotten: written again
    activity.used(sessions[2].id, clock.now())  # still remembered: not yet

    assert recorded.opened == opened + 4
