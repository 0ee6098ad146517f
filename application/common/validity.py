"""Is this session still valid? The hot-path question, asked on every authenticated call.

One cache read answers it; a miss reads the database and caches "valid" (never over a
tombstone). At most once per ``drain_interval`` the process looks for revocations whose
tombstone never reached the cache; while any remain it does not trust cached "valid"s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from threading import Lock

from application.ports.ephemeral import SessionValidityCache
from application.ports.persistence import UnitOfWork
from domain.ids import SessionId


class SessionValidity:
    """One per process: it keeps the outbox-drain state between requests."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        cache: SessionValidityCache,
        drain_interval: timedelta = timedelta(seconds=1),
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._drain_interval = drain_interval
        self._lock = Lock()
        self._next_drain: datetime | None = None
        self._cache_trusted = True

    def is_valid(self, session_id: SessionId, at: datetime) -> bool:
        trusted = self._trust_cache(at)
        if trusted:
            cached = self._cache.get(session_id)
            if cached is not None:
                return cached
        with self._uow_factory() as uow:
            active = uow.sessions.is_active(session_id, at)
        if active and trusted:
            self._cache.remember_valid(session_id)
        return active

    def _trust_cache(self, at: datetime) -> bool:
        with self._lock:
            due = self._next_drain is None or at >= self._next_drain
            if due:
                self._next_drain = at + self._drain_interval
        if due:
            self._cache_trusted = self._drain()
        return self._cache_trusted

    def _drain(self) -> bool:
        with self._uow_factory() as uow:
            pending = uow.revocations.pending()
            landed = [sid for sid in pending if self._cache.tombstone(sid)]
            if landed:
                uow.revocations.remove(landed)
                uow.commit()
        return len(landed) == len(pending)
