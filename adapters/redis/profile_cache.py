"""``user:profile:{uid}`` in Redis: the profile JSON, or ``-`` for a while after a change."""

from __future__ import annotations

from collections.abc import Iterable

import redis

from adapters.redis.client import RedisConnector
from application.ports.ephemeral import ProfileCache
from domain.ids import UserId

PROFILE_TTL_SECONDS = 60
TOMBSTONE_TTL_SECONDS = 10
TOMBSTONE = "-"


class RedisProfileCache(ProfileCache):
    """A tombstone outlives any request that could have read the old row before the
    change (statements time out after 5 s), so no stale fill lands after it. When Redis
    is unreachable at the change, a profile cached before it may be served until its
    60 s run out; identity and revocation never come from here."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector

    def get(self, user_id: UserId) -> str | None:
        value = self._connector.best_effort(
            "profile_cache.get", lambda r: r.get(_key(user_id)), None
        )
        return value if isinstance(value, str) and value != TOMBSTONE else None

    def remember(self, user_id: UserId, profile: str) -> None:
        self._connector.best_effort(
            "profile_cache.remember",
            lambda r: r.set(_key(user_id), profile, ex=PROFILE_TTL_SECONDS, nx=True),
            None,
        )

    def forget(self, user_ids: Iterable[UserId]) -> None:
        keys = [_key(user_id) for user_id in user_ids]

        def tombstone(client: redis.Redis) -> None:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.set(key, TOMBSTONE, ex=TOMBSTONE_TTL_SECONDS)
            pipe.execute()

        if keys:
            self._connector.best_effort("profile_cache.forget", tombstone, None)


def _key(user_id: UserId) -> str:
    return f"user:profile:v1:{user_id}"
