"""The leaky bucket as one Lua script (SECURITY RL-04), run by the rate limiter and queued
by the session cache, which spends the API-wide toll in its read's round trip.

The script is sent by its SHA-1 (``EVALSHA``); after a Redis restart the first call gets
``NOSCRIPT`` and sends the whole script once (``EVAL``, which also caches it).
"""

from __future__ import annotations

import hashlib
import math

import redis
from redis.exceptions import NoScriptError

from application.ports.ephemeral import Decision, Limit
from application.ports.system import Clock

# KEYS[1] bucket; ARGV: capacity, leak per ms, cost, now (ms), probe ("1"/"0").
# Returns 0 when allowed, else the milliseconds until ``cost`` would fit (-1: never).
# The 1e-9 slack keeps float rounding from refusing a request that waited exactly long enough.
# The stored time never goes backwards, so a host with a slower clock cannot refill it.
SCRIPT = """
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
SHA = hashlib.sha1(SCRIPT.encode(), usedforsecurity=False).hexdigest()


def bucket_key(key: str) -> str:
    return f"ratelimit:{key}"


def arguments(limit: Limit, cost: int, clock: Clock, *, probe: bool) -> list[str | int]:
    """The time comes from the Clock port, not from Redis ``TIME``, so tests can move it
    and all hosts agree on the rule."""
    if cost < 0:
        raise ValueError("cost must not be negative")
    now_ms = math.floor(clock.now().timestamp() * 1000)
    return [limit.capacity, repr(limit.leak_per_second / 1000), cost, now_ms, int(probe)]


def queue(pipe: redis.client.Pipeline, key: str, args: list[str | int]) -> None:
    """Queue the script in a pipeline; its answer is ``NoScriptError`` if Redis lost it."""
    pipe.evalsha(SHA, 1, bucket_key(key), *args)


def run(client: redis.Redis, key: str, args: list[str | int]) -> int:
    """Milliseconds to wait (0: spent, -1: never fits)."""
    try:
        return int(client.evalsha(SHA, 1, bucket_key(key), *args))
    except NoScriptError:
        return rerun(client, key, args)


def rerun(client: redis.Redis, key: str, args: list[str | int]) -> int:
    """The script sent whole, after ``NOSCRIPT``."""
    return int(client.eval(SCRIPT, 1, bucket_key(key), *args))


def decision(wait_ms: int, limit: Limit) -> Decision:
    if wait_ms == 0:
        return Decision(allowed=True)
    if wait_ms < 0:
        return Decision(allowed=False, retry_after=max(1, math.ceil(limit.period)))
    return Decision(allowed=False, retry_after=max(1, math.ceil(wait_ms / 1000)))
