"""CachedLiveSessions and SessionRevoker on the in-memory adapters (SECURITY SE-07, FI-04).

Two "processes" share one database and one cache; each sees the cache through its own
switch, so a revoker can fail to reach it while a reader still can. A revocation whose
tombstone landed answers at once; one whose tombstone did not waits one outbox check
interval (recorded here, and moving the world's clock), so every reader has seen the
outbox by the time it answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from adapters.caching.live_sessions import DRAIN_INTERVAL, CachedLiveSessions
from adapters.memory.ephemeral import MemoryRateLimiter, MemorySessionCache
from adapters.memory.messaging import MemoryEventPublisher
from adapters.memory.persistence import MemoryDatabase, MemoryUnitOfWork
from application.common.revocation import SessionRevoker
from application.ports.ephemeral import CachedSession, Decision, Limit, SessionCache, Toll
from application.ports.persistence import UnitOfWork
from domain.errors import RateLimitedError, UnavailableError
from domain.ids import SessionId, UserId
from domain.sessions import DeviceSession, RevokeReason
from domain.users import User, UserProfile
from tests.contracts.persistence_backends import CountingIds, a_session, a_user, store
from tests.support.clock import ManualClock


class SwitchableCache(SessionCache):
    """One process's view of the shared cache; unreachable, it behaves as the Redis
    adapter does: a miss on read, nothing on write, False on tombstone."""

    def __init__(self, shared: MemorySessionCache) -> None:
        self.shared = shared
        self.reachable = True
        self.on_tombstone: Callable[[], None] = lambda: None

    def read(
        self, session_id: SessionId, user_id: UserId | None = None, toll: Toll | None = None
    ) -> CachedSession:
        if not self.reachable:
            return CachedSession(None)
        return self.shared.read(session_id, user_id, toll)

    def remember_valid(self, session_id: SessionId) -> None:
        if self.reachable:
            self.shared.remember_valid(session_id)

    def tombstone(self, session_id: SessionId) -> bool:
        self.on_tombstone()
        return self.reachable and self.shared.tombstone(session_id)

    def remember_profile(self, profile: UserProfile) -> None:
        if self.reachable:
            self.shared.remember_profile(profile)

    def forget_profiles(self, user_ids: Iterable[UserId]) -> None:
        if self.reachable:
            self.shared.forget_profiles(user_ids)


@dataclass
class World:
    clock: ManualClock = field(default_factory=ManualClock)
    db: MemoryDatabase = field(default_factory=MemoryDatabase)
    waits: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.buckets = MemoryRateLimiter(self.clock)
        self.cache = MemorySessionCache(self.clock, self.buckets)
        self.user = a_user()
        store(self.uow, self.user)

    def uow(self) -> UnitOfWork:
        return MemoryUnitOfWork(self.db, CountingIds())

    def view(self) -> SwitchableCache:
        return SwitchableCache(self.cache)

    def reader(
        self, page_size: int = 100, max_pages: int = 50
    ) -> tuple[CachedLiveSessions, SwitchableCache]:
        view = self.view()
        live = CachedLiveSessions(
            self.uow,
            view,
            self.buckets,
            sleep=self._no_wait,
            page_size=page_size,
            max_pages=max_pages,
        )
        return live, view

    def _no_wait(self, seconds: float) -> None:
        raise AssertionError("a reader never waits")

    def revoker(self, *, reachable: bool, wait_moves_the_clock: bool = True) -> SessionRevoker:
        """``wait_moves_the_clock=False``: another thread's revocation, whose wait this
        process's requests do not sit through."""
        view = self.view()
        view.reachable = reachable

        def sleep(seconds: float) -> None:
            self.waits.append(seconds)
            if wait_moves_the_clock:
                self.clock.advance(seconds)

        return SessionRevoker(
            CachedLiveSessions(self.uow, view, self.buckets, sleep), MemoryEventPublisher()
        )

    def sessions(self, count: int, user: User | None = None) -> list[DeviceSession]:
        made = [a_session(user or self.user) for _ in range(count)]
        store(self.uow, *made)
        return made

    def revoke(self, revoker: SessionRevoker, session_id: SessionId) -> None:
        with self.uow() as uow:
            session = uow.sessions.get(session_id, for_update=True)
            assert session is not None
            revoker.revoke(uow, session, RevokeReason.LOGOUT, self.clock.now())
            uow.commit()

    def revoke_all(self, revoker: SessionRevoker, user: User | None = None) -> int:
        with self.uow() as uow:
            count = revoker.revoke_all(
                uow, (user or self.user).id, RevokeReason.PASSWORD_RESET, self.clock.now()
            )
            uow.commit()
        return count

    def pending(self) -> list[SessionId]:
        with self.uow() as uow:
            return uow.revocations.pending(limit=10_000)

    def now(self) -> datetime:
        return self.clock.now()


def test_a_revocation_whose_tombstone_failed_is_refused_from_the_next_outbox_check() -> None:
    world = World()
    (session,) = world.sessions(1)
    reader, _ = world.reader()
    assert reader.is_live(session.id, world.now())  # caches "valid"
    world.clock.advance(0.1)

    world.revoke(world.revoker(reachable=False), session.id)

    assert world.waits == [DRAIN_INTERVAL.total_seconds()]  # answered a check later
    assert world.pending() == [session.id]
    assert world.cache.read(session.id).valid is True  # stale until someone drains
    assert reader.is_live(session.id, world.now()) is False
    assert world.pending() == []
    assert world.cache.read(session.id).valid is False


def test_a_revocation_whose_tombstone_landed_leaves_nothing_in_the_outbox() -> None:
    world = World()
    (session,) = world.sessions(1)

    world.revoke(world.revoker(reachable=True), session.id)

    assert world.waits == []  # answered at once
    assert world.pending() == []
    assert world.cache.read(session.id).valid is False


def test_revoking_every_session_leaves_each_failed_tombstone_in_the_outbox() -> None:
    world = World()
    world.sessions(3)

    assert world.revoke_all(world.revoker(reachable=False)) == 3

    assert len(world.pending()) == 3
    assert len(world.waits) == 1  # one wait for them all


def test_more_than_a_page_of_pending_revocations_is_drained_in_one_check() -> None:
    world = World()
    revoked = world.sessions(250)
    other = a_user()
    store(world.uow, other)
    (active,) = world.sessions(1, other)
    world.revoke_all(world.revoker(reachable=False))
    assert len(world.pending()) == 250
    reader, _ = world.reader()

    assert reader.is_live(active.id, world.now())

    assert world.pending() == []
    assert all(world.cache.read(s.id).valid is False for s in revoked)
    assert world.cache.read(active.id).valid is True  # the cache is trusted again


def test_the_cache_stays_untrusted_while_entries_remain_after_the_last_page() -> None:
    world = World()
    first = world.sessions(6)
    (last,) = world.sessions(1)
    reader, _ = world.reader(page_size=2, max_pages=3)
    assert reader.is_live(last.id, world.now())  # caches "valid"
    world.clock.advance(0.1)
    world.revoke_all(world.revoker(reachable=False))
    world.clock.advance(DRAIN_INTERVAL.total_seconds())

    assert reader.is_live(last.id, world.now()) is False  # from the database
    assert world.pending() == [last.id]
    assert all(world.cache.read(s.id).valid is False for s in first)

    world.clock.advance(DRAIN_INTERVAL.total_seconds())
    assert reader.is_live(last.id, world.now()) is False
    assert world.pending() == []


def test_requests_do_not_trust_the_cache_while_another_thread_drains() -> None:
    world = World()
    session, bystander = world.sessions(2)
    reader, view = world.reader()
    assert reader.is_live(session.id, world.now())  # caches "valid"; the outbox is empty
    world.clock.advance(0.1)
    world.revoke(world.revoker(reachable=False), session.id)
    world.clock.advance(DRAIN_INTERVAL.total_seconds())
    draining, release = threading.Event(), threading.Event()

    def hold_the_drain() -> None:
        draining.set()
        assert release.wait(5)

    view.on_tombstone = hold_the_drain
    results: list[bool] = []
    drainer = threading.Thread(
        target=lambda: results.append(reader.is_live(bystander.id, world.now()))
    )
    drainer.start()
    try:
        assert draining.wait(5)
        assert reader.is_live(session.id, world.now()) is False
    finally:
        release.set()
        drainer.join(5)
    assert results == [True]


def test_past_half_the_interval_one_request_checks_while_the_others_trust_the_last_check() -> None:
    world = World()
    session, bystander = world.sessions(2)
    reader, view = world.reader()
    assert reader.is_live(session.id, world.now())  # checked: the outbox is empty
    world.clock.advance(DRAIN_INTERVAL.total_seconds() * 0.6)
    checking, release = threading.Event(), threading.Event()
    world.revoke(world.revoker(reachable=False, wait_moves_the_clock=False), bystander.id)

    def hold_the_check() -> None:
        checking.set()
        assert release.wait(5)

    view.on_tombstone = hold_the_check
    checker = threading.Thread(target=lambda: reader.is_live(session.id, world.now()))
    checker.start()
    try:
        assert checking.wait(5)
        database, world.db = world.db, MemoryDatabase()  # where the session is unknown
        assert reader.is_live(session.id, world.now())  # so this came from the cache
        world.db = database
    finally:
        release.set()
        checker.join(5)
    assert world.pending() == []  # the check landed the bystander's tombstone


def test_a_clock_stepped_back_makes_the_next_request_check_the_outbox() -> None:
    world = World()
    (session,) = world.sessions(1)
    reader, _ = world.reader()
    assert reader.is_live(session.id, world.now())
    world.revoke(world.revoker(reachable=False), session.id)

    assert reader.is_live(session.id, world.now() - timedelta(seconds=10)) is False


def test_a_reader_that_cannot_reach_the_cache_asks_the_database() -> None:
    world = World()
    (session,) = world.sessions(1)
    reader, view = world.reader()
    view.reachable = False

    assert reader.is_live(session.id, world.now())
    world.revoke(world.revoker(reachable=False), session.id)
    assert reader.is_live(session.id, world.now()) is False
    assert world.pending() == [session.id]


def test_a_reader_that_could_not_tombstone_checks_the_outbox_before_it_trusts_the_cache() -> None:
    """A Redis pause: the reader refuses from the database while the cache is away, and
    when it comes back with the stale "valid", drains the outbox before reading it."""
    world = World()
    (session,) = world.sessions(1)
    reader, view = world.reader()
    assert reader.is_live(session.id, world.now())  # caches "valid"
    view.reachable = False

    world.revoke(world.revoker(reachable=False, wait_moves_the_clock=False), session.id)
    assert reader.is_live(session.id, world.now()) is False  # from the database
    view.reachable = True

    assert world.cache.read(session.id).valid is True  # stale, and the last check is fresh
    assert reader.is_live(session.id, world.now()) is False
    assert world.pending() == []
    assert world.cache.read(session.id).valid is False


def test_an_inactive_session_read_from_the_database_is_tombstoned() -> None:
    world = World()
    (session,) = world.sessions(1)
    world.revoke(world.revoker(reachable=True), session.id)
    world.clock.advance(3600)  # past the revocation's own tombstone
    reader, _ = world.reader()

    assert reader.is_live(session.id, world.now()) is False

    assert world.cache.read(session.id).valid is False


def test_the_profile_is_read_with_the_session_and_filled_on_a_miss() -> None:
    world = World()
    (session,) = world.sessions(1)
    reader, _ = world.reader()

    profile = reader.profile_if_live(session.id, world.user.id, world.now())

    assert profile == UserProfile.of(world.user)
    cached = world.cache.read(session.id, world.user.id)
    assert cached == CachedSession(valid=True, profile=profile)
    assert reader.profile_if_live(session.id, world.user.id, world.now()) == profile


def test_a_revoked_session_gets_no_profile_even_with_one_cached() -> None:
    world = World()
    (session,) = world.sessions(1)
    reader, _ = world.reader()
    assert reader.profile_if_live(session.id, world.user.id, world.now()) is not None

    world.revoke(world.revoker(reachable=True), session.id)

    assert world.cache.read(session.id, world.user.id).profile is not None
    assert reader.profile_if_live(session.id, world.user.id, world.now()) is None


def test_an_unreachable_cache_reads_the_profile_from_the_database() -> None:
    world = World()
    (session,) = world.sessions(1)
    reader, view = world.reader()
    view.reachable = False

    assert reader.profile_if_live(session.id, world.user.id, world.now()) == UserProfile.of(
        world.user
    )
    assert world.cache.read(session.id, world.user.id) == CachedSession(valid=None)


# --- the request's toll, spent with the read ---------------------------------------------

TWO_PER_MINUTE = Limit(capacity=2, period=60)


def test_a_refused_toll_is_refused_whatever_the_session() -> None:
    world = World()
    live, revoked = world.sessions(2)
    world.revoke(world.revoker(reachable=True), revoked.id)
    reader, _ = world.reader()
    toll = Toll("ip:1", TWO_PER_MINUTE, bucket="api")

    assert reader.profile_if_live(live.id, world.user.id, world.now(), toll) is not None
    assert reader.is_live(revoked.id, world.now(), toll) is False
    for session_id in (live.id, revoked.id):
        with pytest.raises(RateLimitedError) as refused:
            reader.is_live(session_id, world.now(), toll)
        assert (refused.value.bucket, refused.value.retry_after) == ("api", 30)


def test_a_toll_the_cache_could_not_answer_is_spent_on_the_limiter() -> None:
    """Unreachable, or not trusted while the outbox is not empty: the limiter (with its
    own per-process fallback behind Redis) spends it, never nobody."""
    world = World()
    (session,) = world.sessions(1)
    reader, view = world.reader()
    view.reachable = False
    toll = Toll("ip:1", TWO_PER_MINUTE, bucket="api")

    assert reader.is_live(session.id, world.now(), toll)
    assert reader.profile_if_live(session.id, world.user.id, world.now(), toll) is not None
    with pytest.raises(RateLimitedError):
        reader.is_live(session.id, world.now(), toll)
    assert world.buckets.probe("ip:1", TWO_PER_MINUTE) == Decision(False, retry_after=30)


def test_a_read_without_a_toll_spends_nothing() -> None:
    world = World()
    (session,) = world.sessions(1)
    reader, _ = world.reader()

    for _ in range(5):
        assert reader.is_live(session.id, world.now())

    assert world.buckets.probe("ip:1", TWO_PER_MINUTE, cost=2).allowed


def test_a_toll_is_spent_even_when_the_outbox_check_fails() -> None:
    """The database away: the request that would check the outbox answers 503, having
    paid its unit like every other."""
    world = World()
    (session,) = world.sessions(1)

    def database_away() -> UnitOfWork:
        raise UnavailableError()

    reader = CachedLiveSessions(database_away, world.view(), world.buckets, sleep=time_stands)
    toll = Toll("ip:1", TWO_PER_MINUTE, bucket="api")

    for _ in range(2):
        with pytest.raises(UnavailableError):
            reader.is_live(session.id, world.now(), toll)
    with pytest.raises(RateLimitedError):
        reader.profile_if_live(session.id, world.user.id, world.now(), toll)


def time_stands(seconds: float) -> None:
    raise AssertionError("a reader never waits")
