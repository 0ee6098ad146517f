"""Leaky buckets in Redis: one Lua script per check, so concurrent requests on every
process and host see one level (SECURITY RL-04). The time comes from the Clock port as
an argument, not from Redis TIME, so tests can move it and all hosts agree on the rule."""

from __future__ import annotations

import math

import redis

from adapters.redis.client import RedisConnector, RedisUnavailableError
from application.ports.ephemeral import Decision, Limit, RateLimiter
from application.ports.system import Clock

# KEYS[1] bucket; ARGV: capacity, leak per ms, cost, now (ms), probe ("1"/"0").
# Returns 0 when allowed, else the milliseconds until ``cost`` would fit (-1: never).
# The 1e-9 slack keeps float rounding from refusing a request that waited exactly long enough.
# The stored time never goes backwards, so a host with a slower clock cannot refill it.
LEAKY_BUCKET = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1]) or 0
local at = tonumber(state[2]) or now
if now > at then
  level = math.max(0, level - (now - at) * rate)
  at = now
end
if cost > capacity then
  return -1
end
if level + cost > capacity + 1e-9 then
  return math.max(1, math.ceil((level + cost - capacity) / rate))
end
if ARGV[5] == '0' and cost > 0 then
  level = level + cost
  redis.call('HSET', KEYS[1], 'level', level, 'at', at)
  redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(level / rate)))
end
return 0
"""


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
        return _decision(wait_ms, limit)

    def probe(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        wait_ms = self._check(key, limit, cost, probe=True)
        if wait_ms is None:
            return self._fallback.probe(key, limit, cost)
        return _decision(wait_ms, limit)

    def clear(self, key: str) -> None:
        self._connector.best_effort("rate_limiter.clear", lambda r: r.delete(_key(key)), 0)
        self._fallback.clear(key)

    def _check(self, key: str, limit: Limit, cost: int, *, probe: bool) -> int | None:
        if cost < 0:
            raise ValueError("cost must not be negative")
        now_ms = math.floor(self._clock.now().timestamp() * 1000)
        args: list[str | int] = [
            limit.capacity,
            repr(limit.leak_per_second / 1000),
            cost,
            now_ms,
            int(probe),
        ]
        try:
            return int(
                self._connector.run(
                    lambda r: r.register_script(LEAKY_BUCKET)(keys=[_key(key)], args=args)
                )
            )
        except (RedisUnavailableError, redis.RedisError) as exc:
            self._connector.record_failure("rate_limiter", exc)
            return None


def _decision(wait_ms: int, limit: Limit) -> Decision:
    if wait_ms == 0:
        return Decision(allowed=True)
    if wait_ms < 0:
        return Decision(allowed=False, retry_after=max(1, math.ceil(limit.period)))
    return Decision(allowed=False, retry_after=max(1, math.ceil(wait_ms / 1000)))


def _key(key: str) -> str:
    return f"ratelimit:{key}"
