"""Leaky buckets in Redis: one Lua script per check (:mod:`adapters.redis.leaky_bucket`),
so concurrent requests on every process and host see one level (SECURITY RL-04)."""

from __future__ import annotations

import redis

from adapters.redis import leaky_bucket
from adapters.redis.client import RedisConnector, RedisUnavailableError
from application.ports.ephemeral import Decision, Limit, RateLimiter
from application.ports.system import Clock


class RedisRateLimiter(RateLimiter):
    """When Redis is unreachable (or the breaker is open) each check goes to ``fallback``,
    a per-process limiter: nothing runs unlimited (SECURITY RL-06)."""

    def __init__(self, connector: RedisConnector, clock: Clock, fallback: RateLimiter) -> None:
        self._connector = connector
        self._clock = clock
        self._fallback = fallback

    def acquire(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        wait_ms = self._check(key, limit, cost, probe=False)
        if wait_ms is None:
            return self._fallback.acquire(key, limit, cost)
        return leaky_bucket.decision(wait_ms, limit)

    def probe(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        wait_ms = self._check(key, limit, cost, probe=True)
        if wait_ms is None:
            return self._fallback.probe(key, limit, cost)
        return leaky_bucket.decision(wait_ms, limit)

    def clear(self, key: str) -> None:
        self._connector.best_effort(
            "rate_limiter.clear", lambda r: r.delete(leaky_bucket.bucket_key(key)), 0
        )
        self._fallback.clear(key)

    def _check(self, key: str, limit: Limit, cost: int, *, probe: bool) -> int | None:
        args = leaky_bucket.arguments(limit, cost, self._clock, probe=probe)
        try:
            return self._connector.run(lambda r: leaky_bucket.run(r, key, args))
        except (RedisUnavailableError, redis.RedisError) as exc:
            self._connector.record_failure("rate_limiter", exc)
            return None
