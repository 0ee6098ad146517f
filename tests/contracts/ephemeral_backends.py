"""Backends for the short-lived state contract: memory and Redis, both on a ManualClock.

``advance`` moves time on both sides: the clock, and for Redis every key's remaining
TTL as well, so expiry contracts run in milliseconds without sleeping. ``listen`` returns
a function that reports what a subscriber to one channel has received so far.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import redis

from adapters.memory.ephemeral import (
    MemoryChallengeStore,
    MemoryLock,
    MemoryRateLimiter,
    MemorySessionCache,
)
from adapters.memory.messaging import MemoryEventPublisher
from adapters.redis.challenge_store import RedisChallengeStore
from adapters.redis.client import RedisConnector
from adapters.redis.lock import RedisLock
from adapters.redis.publisher import RedisEventPublisher
from adapters.redis.rate_limiter import RedisRateLimiter
from adapters.redis.session_cache import RedisSessionCache
from application.ports.ephemeral import (
    ChallengeStore,
    Decision,
    Limit,
    Lock,
    RateLimiter,
    SessionCache,
)
from application.ports.messaging import EventPublisher
from tests.support.clock import ManualClock

Received = Callable[[], list[tuple[str, dict[str, str]]]]
CONTRACT_TIMEOUT_SECONDS = 2.0  # generous: these tests are about semantics, not latency


class NoFallback(RateLimiter):
    """Behind the Redis limiter in the contract: using it means Redis was not tested."""

    def acquire(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        raise AssertionError("the Redis limiter fell back to its per-process limiter")

    def probe(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        raise AssertionError("the Redis limiter fell back to its per-process limiter")

    def clear(self, key: str) -> None:
        """Clearing the fallback too is expected of the Redis limiter."""


class MemoryBackend:
    name = "memory"

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.publisher_impl = MemoryEventPublisher()
        self.buckets = MemoryRateLimiter(clock)
        """One limiter for the backend, as Redis is one store: a cache's tolls and the
        limiter see the same buckets."""

    def cache(self, ttl_seconds: int = 300) -> SessionCache:
        return MemorySessionCache(self.clock, self.buckets, ttl_seconds=ttl_seconds)

    def limiter(self) -> RateLimiter:
        return self.buckets

    def challenges(self) -> ChallengeStore:
        return MemoryChallengeStore(self.clock)

    def lock(self) -> Lock:
        return MemoryLock(self.clock)

    def publisher(self) -> EventPublisher:
        return self.publisher_impl

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def listen(self, channel: str) -> AbstractContextManager[Received]:
        return self._listen(channel)

    @contextmanager
    def _listen(self, channel: str) -> Iterator[Received]:
        got: list[tuple[str, dict[str, str]]] = []
        unsubscribe = self.publisher_impl.subscribe(
            lambda name, payload: got.append((name, dict(payload))) if name == channel else None
        )
        try:
            yield lambda: list(got)
        finally:
            unsubscribe()


class RedisBackend:
    name = "redis"

    def __init__(self, clock: ManualClock, url: str, client: redis.Redis) -> None:
        self.clock = clock
        self.client = client
        self.connector = RedisConnector(
            url, timeout=CONTRACT_TIMEOUT_SECONDS, connect_timeout=CONTRACT_TIMEOUT_SECONDS
        )

    def cache(self, ttl_seconds: int = 300) -> SessionCache:
        return RedisSessionCache(self.connector, self.clock, ttl_seconds=ttl_seconds)

    def limiter(self) -> RateLimiter:
        return RedisRateLimiter(self.connector, self.clock, fallback=NoFallback())

    def challenges(self) -> ChallengeStore:
        return RedisChallengeStore(self.connector)

    def lock(self) -> Lock:
        return RedisLock(self.connector)

    def publisher(self) -> EventPublisher:
        return RedisEventPublisher(self.connector)

    def advance(self, seconds: float) -> None:
        """Move the clock, and bring every key's expiry that much closer."""
        self.clock.advance(seconds)
        elapsed_ms = round(seconds * 1000)
        for key in self.client.scan_iter():
            remaining = self.client.pttl(key)
            if remaining < 0:
                continue
            if remaining <= elapsed_ms:
                self.client.delete(key)
            else:
                self.client.pexpire(key, remaining - elapsed_ms)

    def listen(self, channel: str) -> AbstractContextManager[Received]:
        return self._listen(channel)

    @contextmanager
    def _listen(self, channel: str) -> Iterator[Received]:
        pubsub = self.client.pubsub()  # type: ignore[no-untyped-call]
        pubsub.subscribe(channel)
        _wait_for(lambda: pubsub.get_message(timeout=0.1), "the SUBSCRIBE confirmation")
        got: list[tuple[str, dict[str, str]]] = []

        def received() -> list[tuple[str, dict[str, str]]]:
            while (message := pubsub.get_message(timeout=0.2)) is not None:
                if message["type"] == "message":
                    got.append((message["channel"], json.loads(message["data"])))
            return list(got)

        try:
            yield received
        finally:
            pubsub.close()


Backend = MemoryBackend | RedisBackend


def _wait_for(check: Callable[[], object], what: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
    raise AssertionError(f"timed out waiting for {what}")
