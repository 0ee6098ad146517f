"""A named lock in Redis (``lock:{name}``) that frees itself when the holder dies."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from adapters.redis.client import RedisConnector
from application.ports.ephemeral import Lock

# Delete only our own token: after our TTL ran out someone else may hold the lock.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLock(Lock):
    """Yields False when the lock is taken or Redis is unreachable: a job that needs
    exclusivity skips its turn rather than run unguarded."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector

    @contextmanager
    def hold(self, name: str, ttl_seconds: int) -> Iterator[bool]:
        key, token = f"lock:{name}", os.urandom(16).hex()
        acquired = self._connector.best_effort(
            "lock.acquire",
            lambda r: bool(r.set(key, token, px=ttl_seconds * 1000, nx=True)),
            False,
        )
        try:
            yield acquired
        finally:
            if acquired:
                self._connector.best_effort(
                    "lock.release",
                    lambda r: r.register_script(RELEASE)(keys=[key], args=[token]),
                    0,
                )
