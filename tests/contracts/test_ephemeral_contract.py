"""The short-lived state ports' contract, run against the in-memory twins and real Redis.

Time-dependent contracts move a ManualClock on both sides (the limiter's Lua script gets
``now`` as an argument; Redis TTLs are shortened by ``advance``). The last section runs
the Redis adapters against a server that is gone or frozen.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

import pytest
import redis

from adapters.memory.ephemeral import MemoryRateLimiter
from adapters.redis.challenge_store import RedisChallengeStore
from adapters.redis.client import RedisConnector
from adapters.redis.health import RedisHealthProbe
from adapters.redis.lock import RedisLock
from adapters.redis.publisher import RedisEventPublisher
from adapters.redis.rate_limiter import RedisRateLimiter
from adapters.redis.session_cache import RedisSessionCache
from application.ports.ephemeral import CachedSession, Decision, Limit, Toll
from domain.errors import UnavailableError
from domain.ids import SessionId, UserId
from domain.users import UserProfile
from tests.contracts.ephemeral_backends import Backend, MemoryBackend, RedisBackend
from tests.fixtures.redis import RedisServer, free_port
from tests.support.clock import ManualClock

T = TypeVar("T")
BACKENDS = ["memory", pytest.param("redis", marks=pytest.mark.integration)]
redis_only = pytest.mark.integration

SID = SessionId(UUID(int=7))
USER = UserId(UUID(int=8))
TEN_PER_MINUTE = Limit(capacity=10, period=60)  # one unit leaks every 6 s
FIVE_PER_MINUTE = Limit(capacity=5, period=60)  # one unit leaks every 12 s


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend(ManualClock())
    else:
        yield from _redis_backend(request)


@pytest.fixture
def redis_backend(request: pytest.FixtureRequest) -> Iterator[RedisBackend]:
    yield from _redis_backend(request)


def _redis_backend(request: pytest.FixtureRequest) -> Iterator[RedisBackend]:
    client: redis.Redis = request.getfixturevalue("redis_client")
    backend = RedisBackend(ManualClock(), request.getfixturevalue("redis_url"), client)
    yield backend
    backend.connector.close()


def race(workers: int, action: Callable[[], T]) -> list[T]:
    """Release ``workers`` threads at once on ``action``; re-raise the first error."""
    barrier = threading.Barrier(workers)
    results: list[T] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            outcome = action()
        except BaseException as exc:  # reported on the main thread
            with guard:
                errors.append(exc)
            return
        with guard:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    assert len(results) == workers
    return results


# --- SessionCache ------------------------------------------------------------------


def test_an_uncached_session_is_a_miss(backend: Backend) -> None:
    assert backend.cache().read(SID).valid is None


def test_a_remembered_session_reads_valid(backend: Backend) -> None:
    cache = backend.cache()
    cache.remember_valid(SID)
    assert cache.read(SID).valid is True
    assert cache.read(SessionId(UUID(int=8))).valid is None


def test_a_tombstone_overwrites_valid_and_reports_that_it_landed(backend: Backend) -> None:
    cache = backend.cache()
    cache.remember_valid(SID)
    assert cache.tombstone(SID) is True
    assert cache.read(SID).valid is False


def test_a_tombstone_wins_over_a_later_remember_valid(backend: Backend) -> None:
    cache = backend.cache()
    cache.tombstone(SID)
    cache.remember_valid(SID)
    assert cache.read(SID).valid is False


def test_cache_entries_expire_after_their_ttl(backend: Backend) -> None:
    cache = backend.cache(ttl_seconds=300)
    cache.remember_valid(SID)
    backend.advance(299)
    assert cache.read(SID).valid is True
    backend.advance(2)
    assert cache.read(SID).valid is None


def test_an_expired_tombstone_lets_valid_be_cached_again(backend: Backend) -> None:
    cache = backend.cache(ttl_seconds=300)
    cache.tombstone(SID)
    backend.advance(301)
    cache.remember_valid(SID)
    assert cache.read(SID).valid is True


@redis_only
def test_cache_keys_are_session_valid_sid_with_a_ttl(redis_backend: RedisBackend) -> None:
    cache = redis_backend.cache(ttl_seconds=300)
    cache.remember_valid(SID)
    key = f"session:valid:{SID}"
    assert redis_backend.client.get(key) == "1"
    assert 0 < redis_backend.client.ttl(key) <= 300
    cache.tombstone(SID)
    assert redis_backend.client.get(key) == "0"
    assert 0 < redis_backend.client.ttl(key) <= 300


# --- RateLimiter ---------------------------------------------------------------------


def test_a_bucket_allows_its_capacity_then_refuses(backend: Backend) -> None:
    limiter = backend.limiter()
    decisions = [limiter.acquire("ip:1", FIVE_PER_MINUTE) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert decisions[-1] == Decision(allowed=False, retry_after=12)


def test_a_bucket_leaks_with_time(backend: Backend) -> None:
    limiter = backend.limiter()
    for _ in range(5):
        limiter.acquire("ip:1", FIVE_PER_MINUTE)
    backend.advance(11)
    refused = limiter.acquire("ip:1", FIVE_PER_MINUTE)
    assert refused == Decision(allowed=False, retry_after=1)
    backend.advance(1)
    assert limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed
    assert not limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed
    backend.advance(60)
    assert all(limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed for _ in range(5))


def test_waiting_retry_after_is_always_enough(backend: Backend) -> None:
    limiter, limit = backend.limiter(), Limit(capacity=3, period=7)
    for _ in range(3):
        limiter.acquire("ip:1", limit)
    for _ in range(10):
        decision = limiter.acquire("ip:1", limit)
        assert not decision.allowed
        assert decision.retry_after >= 1
        backend.advance(decision.retry_after)
        assert limiter.acquire("ip:1", limit).allowed


def test_a_refused_acquire_spends_nothing(backend: Backend) -> None:
    limiter = backend.limiter()
    assert limiter.acquire("ip:1", TEN_PER_MINUTE, cost=8).allowed
    assert limiter.acquire("ip:1", TEN_PER_MINUTE, cost=3) == Decision(False, retry_after=6)
    assert limiter.acquire("ip:1", TEN_PER_MINUTE, cost=2).allowed
    assert not limiter.acquire("ip:1", TEN_PER_MINUTE).allowed


def test_a_probe_changes_nothing(backend: Backend) -> None:
    limiter = backend.limiter()
    assert all(limiter.probe("ip:1", FIVE_PER_MINUTE).allowed for _ in range(20))
    for _ in range(5):
        limiter.acquire("ip:1", FIVE_PER_MINUTE)
    assert limiter.probe("ip:1", FIVE_PER_MINUTE) == Decision(False, retry_after=12)
    backend.advance(12)
    assert limiter.probe("ip:1", FIVE_PER_MINUTE).allowed
    assert limiter.probe("ip:1", FIVE_PER_MINUTE, cost=2) == Decision(False, retry_after=12)


def test_clear_empties_the_bucket(backend: Backend) -> None:
    limiter = backend.limiter()
    for _ in range(5):
        limiter.acquire("ip:1", FIVE_PER_MINUTE)
    limiter.clear("ip:1")
    limiter.clear("never-used")
    assert all(limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed for _ in range(5))


def test_buckets_are_per_key(backend: Backend) -> None:
    limiter = backend.limiter()
    for _ in range(5):
        limiter.acquire("ip:1", FIVE_PER_MINUTE)
    assert limiter.acquire("ip:2", FIVE_PER_MINUTE).allowed


def test_a_cost_above_capacity_is_always_refused(backend: Backend) -> None:
    limiter = backend.limiter()
    for check in (limiter.acquire, limiter.probe):
        decision = check("ip:1", FIVE_PER_MINUTE, 6)
        assert not decision.allowed
        assert decision.retry_after >= 1
    assert all(limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed for _ in range(5))


def test_a_negative_cost_is_a_programming_error(backend: Backend) -> None:
    with pytest.raises(ValueError, match="negative"):
        backend.limiter().acquire("ip:1", FIVE_PER_MINUTE, cost=-1)


def test_a_burst_on_one_bucket_admits_exactly_its_capacity(backend: Backend) -> None:
    limiter = backend.limiter()
    decisions = race(200, lambda: limiter.acquire("ip:race", TEN_PER_MINUTE))
    assert sum(d.allowed for d in decisions) == 10
    assert all(d.retry_after >= 1 for d in decisions if not d.allowed)


def test_a_read_with_a_toll_spends_it_in_the_limiter_s_bucket(backend: Backend) -> None:
    cache, limiter = backend.cache(), backend.limiter()
    cache.remember_valid(SID)
    toll = Toll("ip:1", FIVE_PER_MINUTE, bucket="api")
    assert limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed
    reads = [cache.read(SID, toll=toll) for _ in range(5)]
    assert [read.toll for read in reads] == [Decision(True)] * 4 + [Decision(False, 12)]
    assert all(read.valid is True for read in reads)  # a refused toll still reads
    assert limiter.probe("ip:1", FIVE_PER_MINUTE) == Decision(False, retry_after=12)
    backend.advance(12)
    assert cache.read(SID, USER, toll).toll == Decision(True)
    assert cache.read(SID).toll is None  # nothing asked, nothing spent
    assert limiter.probe("ip:1", FIVE_PER_MINUTE) == Decision(False, retry_after=12)


def test_a_burst_of_tolls_admits_exactly_the_capacity(backend: Backend) -> None:
    cache = backend.cache()
    toll = Toll("ip:race", TEN_PER_MINUTE, bucket="api")
    reads = race(200, lambda: cache.read(SID, toll=toll))
    assert sum(1 for read in reads if read.toll == Decision(True)) == 10


@redis_only
def test_every_bucket_key_expires_once_drained(redis_backend: RedisBackend) -> None:
    limiter = redis_backend.limiter()
    for n in range(50):
        limiter.acquire(f"email:{n}", FIVE_PER_MINUTE, cost=1 + n % 5)
    limiter.probe("probe-only", FIVE_PER_MINUTE)
    keys = list(redis_backend.client.scan_iter("ratelimit:*"))
    assert len(keys) == 50
    for key in keys:
        level = float(redis_backend.client.hget(key, "level") or 0)
        assert 0 < redis_backend.client.pttl(key) <= level * 12_000
    redis_backend.advance(60)
    assert list(redis_backend.client.scan_iter("ratelimit:*")) == []


# --- ChallengeStore ------------------------------------------------------------------


def test_a_record_reads_back_as_a_copy(backend: Backend) -> None:
    store = backend.challenges()
    store.put("oauth:state:s1", {"provider": "github", "nonce": "n-1"}, 600)
    record = store.get("oauth:state:s1")
    assert record == {"provider": "github", "nonce": "n-1"}
    assert record is not None
    record["provider"] = "evil"
    assert store.get("oauth:state:s1") == {"provider": "github", "nonce": "n-1"}
    assert store.get("oauth:state:other") is None


def test_put_replaces_a_record(backend: Backend) -> None:
    store = backend.challenges()
    store.put("k", {"a": "1", "b": "2"}, 600)
    store.put("k", {"c": "3"}, 600)
    assert store.get("k") == {"c": "3"}


def test_take_returns_a_record_once(backend: Backend) -> None:
    store = backend.challenges()
    store.put("webauthn:chal:c1", {"challenge": "abc"}, 300)
    assert store.take("webauthn:chal:c1") == {"challenge": "abc"}
    assert store.take("webauthn:chal:c1") is None
    assert store.get("webauthn:chal:c1") is None


def test_of_concurrent_takes_exactly_one_wins(backend: Backend) -> None:
    store = backend.challenges()
    store.put("login_token:t1", {"user_id": "u1"}, 300)
    taken = race(20, lambda: store.take("login_token:t1"))
    assert [t for t in taken if t is not None] == [{"user_id": "u1"}]


def test_delete_removes_a_record(backend: Backend) -> None:
    store = backend.challenges()
    store.put("k", {"a": "1"}, 600)
    store.delete("k")
    store.delete("never-there")
    assert store.get("k") is None


def test_records_expire_after_their_ttl(backend: Backend) -> None:
    store = backend.challenges()
    store.put("k", {"a": "1"}, 600)
    backend.advance(599)
    assert store.get("k") == {"a": "1"}
    backend.advance(2)
    assert store.get("k") is None
    assert store.take("k") is None


def test_a_counter_counts_from_one(backend: Backend) -> None:
    store = backend.challenges()
    assert [store.increment("attempts:u1", 900) for _ in range(3)] == [1, 2, 3]
    assert store.increment("attempts:u2", 900) == 1
    store.delete("attempts:u1")
    assert store.increment("attempts:u1", 900) == 1


def test_increments_never_extend_the_counter_ttl(backend: Backend) -> None:
    store = backend.challenges()
    assert store.increment("attempts:u1", 10) == 1
    backend.advance(6)
    assert store.increment("attempts:u1", 10) == 2
    backend.advance(5)
    assert store.increment("attempts:u1", 10) == 1


def test_concurrent_increments_lose_nothing(backend: Backend) -> None:
    store = backend.challenges()
    values = race(50, lambda: store.increment("attempts:race", 900))
    assert sorted(values) == list(range(1, 51))


@redis_only
def test_counter_ttl_is_set_once_in_redis(redis_backend: RedisBackend) -> None:
    store = redis_backend.challenges()
    store.increment("attempts:u1", 100)
    redis_backend.client.pexpire("attempts:u1", 40_000)
    for _ in range(5):
        store.increment("attempts:u1", 100)
    assert 0 < redis_backend.client.pttl("attempts:u1") <= 40_000
    store.put("k", {"a": "1"}, 600)
    assert 590 < redis_backend.client.ttl("k") <= 600


# --- Lock ----------------------------------------------------------------------------


def test_a_lock_is_exclusive_until_released(backend: Backend) -> None:
    lock = backend.lock()
    with lock.hold("purge", 60) as first:
        assert first is True
        with lock.hold("purge", 60) as second:
            assert second is False
        with lock.hold("other", 60) as other:
            assert other is True
    with lock.hold("purge", 60) as again:
        assert again is True


def test_a_lock_is_released_when_the_block_raises(backend: Backend) -> None:
    lock = backend.lock()
    with pytest.raises(RuntimeError), lock.hold("purge", 60):
        raise RuntimeError("job failed")
    with lock.hold("purge", 60) as held:
        assert held is True


def test_an_expired_holder_cannot_release_the_next_holder(backend: Backend) -> None:
    lock = backend.lock()
    with lock.hold("purge", 10) as first:
        assert first is True
        backend.advance(11)
        with lock.hold("purge", 60) as second:
            assert second is True
    with lock.hold("purge", 60) as third:
        assert third is True
    with lock.hold("purge", 60) as late, lock.hold("purge", 60) as rival:
        assert (late, rival) == (True, False)


def test_of_concurrent_holders_one_wins(backend: Backend) -> None:
    lock = backend.lock()
    all_tried = threading.Barrier(20)

    def contend() -> bool:
        with lock.hold("purge", 60) as held:
            all_tried.wait(timeout=10)  # nobody releases before everyone has tried
            return held

    assert sum(race(20, contend)) == 1


# --- EventPublisher ------------------------------------------------------------------


def test_published_messages_reach_subscribers_of_the_channel(backend: Backend) -> None:
    publisher = backend.publisher()
    payload = {"id": "s1", "user_id": "u1", "at": "2026-01-01T12:00:00Z"}
    with backend.listen("session:revoked") as received:
        publisher.publish("session:revoked", payload)
        publisher.publish("user:updated", {"id": "u1"})
        assert received() == [("session:revoked", payload)]


def test_the_memory_publisher_records_every_message() -> None:
    backend = MemoryBackend(ManualClock())
    payload = {"id": "s1"}
    backend.publisher().publish("session:revoked", payload)
    payload["id"] = "changed"
    assert backend.publisher_impl.messages == [("session:revoked", {"id": "s1"})]


# --- Redis away ----------------------------------------------------------------------


@pytest.fixture
def dead_connector() -> RedisConnector:
    return RedisConnector(f"redis://127.0.0.1:{free_port()}/0")


def test_an_unreachable_cache_misses_quickly(dead_connector: RedisConnector) -> None:
    cache = RedisSessionCache(dead_connector, ManualClock())
    started = time.monotonic()
    for _ in range(10):
        assert cache.read(SID).valid is None
        cache.remember_valid(SID)
        assert cache.tombstone(SID) is False
    assert time.monotonic() - started < 1
    assert dead_connector.failures.total == 30


def test_an_unreachable_limiter_uses_its_fallback(dead_connector: RedisConnector) -> None:
    clock = ManualClock()
    limiter = RedisRateLimiter(dead_connector, clock, fallback=MemoryRateLimiter(clock))
    decisions = [limiter.acquire("ip:1", FIVE_PER_MINUTE) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert limiter.probe("ip:1", FIVE_PER_MINUTE) == Decision(False, retry_after=12)
    limiter.clear("ip:1")
    assert limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed


def test_an_unreachable_challenge_store_is_unavailable(dead_connector: RedisConnector) -> None:
    store = RedisChallengeStore(dead_connector)
    calls: list[Callable[[], object]] = [
        lambda: store.put("k", {"a": "1"}, 60),
        lambda: store.get("k"),
        lambda: store.take("k"),
        lambda: store.delete("k"),
        lambda: store.increment("k", 60),
    ]
    for call in calls:
        with pytest.raises(UnavailableError):
            call()


def test_unreachable_publisher_lock_and_probe_fail_softly(
    dead_connector: RedisConnector,
) -> None:
    RedisEventPublisher(dead_connector).publish("session:revoked", {"id": "s1"})
    with RedisLock(dead_connector).hold("purge", 60) as held:
        assert held is False
    assert RedisHealthProbe(dead_connector).ping() is False
    failed = dead_connector.failures.snapshot().keys()
    assert {"publish", "lock.acquire", "ping"} <= failed


@redis_only
def test_the_probe_answers_for_a_live_server(redis_url: str) -> None:
    assert RedisHealthProbe(RedisConnector(redis_url)).ping() is True


@redis_only
def test_a_frozen_server_costs_one_timeout_then_the_breaker_skips_it(
    private_redis: RedisServer,
) -> None:
    connector = RedisConnector(private_redis.url, cooldown=0.5)
    cache = RedisSessionCache(connector, ManualClock())
    cache.remember_valid(SID)
    private_redis.pause()
    try:
        started = time.monotonic()
        assert [cache.read(SID).valid for _ in range(10)] == [None] * 10
        assert time.monotonic() - started < 1
        assert connector.breaker.is_open
    finally:
        private_redis.resume()
    time.sleep(0.5)
    assert cache.read(SID).valid is True
    assert not connector.breaker.is_open


@redis_only
def test_a_successful_ping_closes_the_breaker(private_redis: RedisServer) -> None:
    connector = RedisConnector(private_redis.url, cooldown=60)
    private_redis.pause()
    try:
        assert RedisHealthProbe(connector).ping() is False
    finally:
        private_redis.resume()
    assert connector.breaker.is_open
    assert RedisHealthProbe(connector).ping() is True
    assert RedisSessionCache(connector, ManualClock()).tombstone(SID) is True


@redis_only
def test_the_limiter_survives_a_restart_that_lost_its_script(private_redis: RedisServer) -> None:
    clock = ManualClock()
    connector = RedisConnector(private_redis.url, cooldown=0.1)
    limiter = RedisRateLimiter(connector, clock, fallback=MemoryRateLimiter(clock))
    assert limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed
    private_redis.restart()
    time.sleep(0.15)
    assert limiter.acquire("ip:1", FIVE_PER_MINUTE).allowed
    probe = redis.Redis.from_url(private_redis.url, decode_responses=True)
    assert probe.hget("ratelimit:ip:1", "level") == "1"
    probe.close()


@redis_only
def test_a_toll_survives_a_restart_that_lost_the_script(private_redis: RedisServer) -> None:
    clock = ManualClock()
    connector = RedisConnector(private_redis.url, cooldown=0.1)
    cache = RedisSessionCache(connector, clock)
    toll = Toll("ip:1", FIVE_PER_MINUTE, bucket="api")
    assert cache.read(SID, toll=toll).toll == Decision(True)
    private_redis.restart()
    time.sleep(0.15)
    cache.remember_valid(SID)
    assert cache.read(SID, toll=toll) == CachedSession(valid=True, toll=Decision(True))
    probe = redis.Redis.from_url(private_redis.url, decode_responses=True)
    assert probe.hget("ratelimit:ip:1", "level") == "1"
    probe.close()


def test_an_unreachable_cache_answers_no_toll(dead_connector: RedisConnector) -> None:
    cache = RedisSessionCache(dead_connector, ManualClock())
    toll = Toll("ip:1", FIVE_PER_MINUTE, bucket="api")
    assert cache.read(SID, USER, toll) == CachedSession(valid=None)


def test_each_process_builds_its_own_client(
    monkeypatch: pytest.MonkeyPatch, dead_connector: RedisConnector
) -> None:
    parent = dead_connector.client()
    assert dead_connector.client() is parent
    monkeypatch.setattr("adapters.redis.client.os.getpid", lambda: -1)
    assert dead_connector.client() is not parent


def _profile(user: UserId, first_name: str) -> UserProfile:
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    return UserProfile(
        id=user,
        email="ada@example.com",
        email_verified=True,
        first_name=first_name,
        last_name="Lovelace",
        display_name=None,
        phone=None,
        phone_verified=False,
        avatar_url=None,
        role="user",
        status="active",
        created_at=at,
        updated_at=at,
        last_login_at=None,
    )


def test_a_cached_profile_reads_back_until_a_change_drops_it(backend: Backend) -> None:
    cache = backend.cache()
    user = UserId(UUID(int=7))
    assert cache.read(SID, user).profile is None
    cache.remember_profile(_profile(user, "Ada"))
    assert cache.read(SID, user).profile == _profile(user, "Ada")
    cache.remember_profile(_profile(user, "Other"))  # filled only where nothing is
    assert cache.read(SID, user).profile == _profile(user, "Ada")
    assert cache.read(SID).profile is None  # not asked for

    cache.forget_profiles([user])
    assert cache.read(SID, user).profile is None
    cache.remember_profile(_profile(user, "read before the change"))
    assert cache.read(SID, user).profile is None  # the tombstone wins over a late fill
    backend.advance(11)
    cache.remember_profile(_profile(user, "Augusta"))
    assert cache.read(SID, user).profile == _profile(user, "Augusta")
    backend.advance(61)
    assert cache.read(SID, user).profile is None


def test_one_read_answers_for_the_session_and_the_profile_together(backend: Backend) -> None:
    cache = backend.cache()
    user = UserId(UUID(int=7))
    cache.remember_valid(SID)
    cache.remember_profile(_profile(user, "Ada"))
    assert cache.read(SID, user) == CachedSession(valid=True, profile=_profile(user, "Ada"))
    cache.tombstone(SID)
    assert cache.read(SID, user) == CachedSession(valid=False, profile=_profile(user, "Ada"))


@redis_only
def test_a_damaged_or_older_cached_profile_reads_as_a_miss(redis_backend: RedisBackend) -> None:
    cache = redis_backend.cache()
    user = UserId(UUID(int=7))
    cache.remember_valid(SID)
    for damaged in ('{"an": "older shape"}', "not json", "[]"):
        redis_backend.client.set(f"user:profile:v1:{user}", damaged)
        assert cache.read(SID, user) == CachedSession(valid=True, profile=None)
