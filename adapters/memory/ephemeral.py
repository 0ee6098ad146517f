"""In-process twins of the short-lived state ports, with the Redis adapters' semantics.

Every deadline is read from the injected Clock, so tests move time by hand and the same
contract suite runs here and against Redis. One lock per store makes each operation atomic.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Generic, TypeVar

from application.ports.ephemeral import (
    CachedSession,
    ChallengeStore,
    Decision,
    Limit,
    Lock,
    RateLimiter,
    SessionCache,
    Toll,
)
from application.ports.system import Clock
from domain.ids import SessionId, UserId
from domain.users import UserProfile

V = TypeVar("V")
SWEEP_EVERY = 1024
SLACK = 1e-9  # as in the Lua script: float rounding never refuses a request that waited


def _now_ms(clock: Clock) -> int:
    return math.floor(clock.now().timestamp() * 1000)


class _Expiring(Generic[V]):
    """A dict whose entries vanish at a deadline in ms. Not locked: its owner holds the
    lock. Expired entries are swept now and then, so abandoned keys cannot pile up."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[V, int]] = {}
        self._writes = 0

    def get(self, key: str, now: int) -> V | None:
        item = self._items.get(key)
        if item is None or item[1] <= now:
            self._items.pop(key, None)
            return None
        return item[0]

    def holds(self, key: str, now: int) -> bool:
        """A live entry is there, whatever its value (None included)."""
        item = self._items.get(key)
        return item is not None and item[1] > now

    def set(self, key: str, value: V, deadline: int, now: int) -> None:
        self._items[key] = (value, deadline)
        self._writes += 1
        if self._writes % SWEEP_EVERY == 0:
            self._items = {k: item for k, item in self._items.items() if item[1] > now}

    def replace(self, key: str, value: V) -> None:
        """Change a live entry's value, keeping its deadline."""
        self._items[key] = (value, self._items[key][1])

    def pop(self, key: str, now: int) -> V | None:
        value = self.get(key, now)
        self._items.pop(key, None)
        return value

    def discard(self, key: str) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)


class MemorySessionCache(SessionCache):
    """The Redis adapter's rules in-process: validity for 5 minutes, profiles for 60 s,
    filled only where nothing is cached, a 10 s tombstone after each profile change (the
    embedded default has one process, so it is exact there). A toll is spent on
    ``limiter``."""

    def __init__(
        self,
        clock: Clock,
        limiter: RateLimiter,
        ttl_seconds: int = 300,
        profile_seconds: int = 60,
        tombstone_seconds: int = 10,
    ) -> None:
        self._clock = clock
        self._limiter = limiter
        self._ttl_ms = ttl_seconds * 1000
        self._profile_ms = profile_seconds * 1000
        self._tombstone_ms = tombstone_seconds * 1000
        self._lock = threading.Lock()
        self._validity: _Expiring[bool] = _Expiring()
        self._profiles: _Expiring[UserProfile | None] = _Expiring()

    def read(
        self, session_id: SessionId, user_id: UserId | None = None, toll: Toll | None = None
    ) -> CachedSession:
        spent = self._limiter.acquire(toll.key, toll.limit) if toll is not None else None
        now = _now_ms(self._clock)
        with self._lock:
            valid = self._validity.get(str(session_id), now)
            profile = self._profiles.get(str(user_id), now) if user_id is not None else None
        return CachedSession(valid=valid, profile=profile, toll=spent)

    def remember_valid(self, session_id: SessionId) -> None:
        now = _now_ms(self._clock)
        with self._lock:
            if self._validity.get(str(session_id), now) is None:
                self._validity.set(str(session_id), True, now + self._ttl_ms, now)

    def tombstone(self, session_id: SessionId) -> bool:
        now = _now_ms(self._clock)
        with self._lock:
            self._validity.set(str(session_id), False, now + self._ttl_ms, now)
        return True

    def remember_profile(self, profile: UserProfile) -> None:
        now = _now_ms(self._clock)
        with self._lock:
            if not self._profiles.holds(str(profile.id), now):
                self._profiles.set(str(profile.id), profile, now + self._profile_ms, now)

    def forget_profiles(self, user_ids: Iterable[UserId]) -> None:
        now = _now_ms(self._clock)
        with self._lock:
            for user_id in user_ids:
                self._profiles.set(str(user_id), None, now + self._tombstone_ms, now)


class MemoryRateLimiter(RateLimiter):
    """The Lua script's arithmetic in Python: level and time (ms) per key, leaked by
    elapsed times rate, kept until drained. Also the per-process fallback behind Redis."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: _Expiring[tuple[float, int]] = _Expiring()

    def acquire(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        return self._check(key, limit, cost, probe=False)

    def probe(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        return self._check(key, limit, cost, probe=True)

    def clear(self, key: str) -> None:
        with self._lock:
            self._buckets.discard(key)

    def _check(self, key: str, limit: Limit, cost: int, *, probe: bool) -> Decision:
        if cost < 0:
            raise ValueError("cost must not be negative")
        now, rate = _now_ms(self._clock), limit.leak_per_second / 1000
        with self._lock:
            level, at = self._buckets.get(key, now) or (0.0, now)
            if now > at:
                level, at = max(0.0, level - (now - at) * rate), now
            if cost > limit.capacity:
                return Decision(allowed=False, retry_after=max(1, math.ceil(limit.period)))
            if level + cost > limit.capacity + SLACK:
                wait_ms = max(1, math.ceil((level + cost - limit.capacity) / rate))
                return Decision(allowed=False, retry_after=max(1, math.ceil(wait_ms / 1000)))
            if not probe and cost > 0:
                level += cost
                drained_at = at + max(1, math.ceil(level / rate))
                self._buckets.set(key, (level, at), drained_at, now)
        return Decision(allowed=True)


class MemoryChallengeStore(ChallengeStore):
    """Stores copies; counters share the key space with records, as in Redis."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._records: _Expiring[dict[str, str] | int] = _Expiring()

    def put(self, key: str, fields: Mapping[str, str], ttl_seconds: int) -> None:
        now = _now_ms(self._clock)
        with self._lock:
            self._records.set(key, dict(fields), now + ttl_seconds * 1000, now)

    def get(self, key: str) -> dict[str, str] | None:
        with self._lock:
            return _copy(self._records.get(key, _now_ms(self._clock)))

    def take(self, key: str) -> dict[str, str] | None:
        with self._lock:
            return _copy(self._records.pop(key, _now_ms(self._clock)))

    def delete(self, key: str) -> None:
        with self._lock:
            self._records.discard(key)

    def increment(self, key: str, ttl_seconds: int) -> int:
        now = _now_ms(self._clock)
        with self._lock:
            current = self._records.get(key, now)
            if current is None:
                self._records.set(key, 1, now + ttl_seconds * 1000, now)
                return 1
            if not isinstance(current, int):
                raise TypeError(f"{key} holds a record, not a counter")
            self._records.replace(key, current + 1)
            return current + 1


def _copy(value: dict[str, str] | int | None) -> dict[str, str] | None:
    return dict(value) if isinstance(value, dict) else None


class MemoryLock(Lock):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._holders: _Expiring[int] = _Expiring()
        self._tokens = itertools.count(1)

    @contextmanager
    def hold(self, name: str, ttl_seconds: int) -> Iterator[bool]:
        now = _now_ms(self._clock)
        with self._lock:
            token = next(self._tokens)
            acquired = self._holders.get(name, now) is None
            if acquired:
                self._holders.set(name, token, now + ttl_seconds * 1000, now)
        try:
            yield acquired
        finally:
            if acquired:
                self._release(name, token)

    def _release(self, name: str, token: int) -> None:
        """Only our own hold: after our TTL ran out someone else may have the lock."""
        with self._lock:
            if self._holders.get(name, _now_ms(self._clock)) == token:
                self._holders.discard(name)
