"""``session:valid:{sid}`` in Redis: "1" valid, "0" revoked (SECURITY SE-07)."""

from __future__ import annotations

from adapters.redis.client import RedisConnector
from application.ports.ephemeral import SessionValidityCache
from domain.ids import SessionId

DEFAULT_TTL_SECONDS = 300
_STATES = {"1": True, "0": False}


class RedisSessionValidityCache(SessionValidityCache):
    """Never raises: an unreachable cache reads as a miss and a failed tombstone as False,
    so the caller falls back to PostgreSQL and keeps the revocation in its outbox."""

    def __init__(self, connector: RedisConnector, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self._connector = connector
        self._ttl = ttl_seconds

    def get(self, session_id: SessionId) -> bool | None:
        value = self._connector.best_effort(
            "session_cache.get", lambda r: r.get(_key(session_id)), None
        )
        return _STATES.get(value) if isinstance(value, str) else None

    def remember_valid(self, session_id: SessionId) -> None:
        self._connector.best_effort(
            "session_cache.remember_valid",
            lambda r: r.set(_key(session_id), "1", ex=self._ttl, nx=True),
            None,
        )

    def tombstone(self, session_id: SessionId) -> bool:
        return self._connector.best_effort(
            "session_cache.tombstone",
            lambda r: bool(r.set(_key(session_id), "0", ex=self._ttl)),
            False,
        )


def _key(session_id: SessionId) -> str:
    return f"session:valid:{session_id}"
