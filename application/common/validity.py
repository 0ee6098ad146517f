"""Is this session still valid? The hot-path question, asked on every authenticated call.

This process's copy answers it (``application.common.near_cache``), else one cache read;
a miss reads the database and caches "valid" (never over a tombstone: a tombstone always
wins). PostgreSQL is the truth (SECURITY SE-07, FI-04).

Why no request sent after a revocation answered is served a stale cached "valid":

- A revocation commits, then tombstones the cache and publishes the session on the
  invalidation feed, which drops every process's copy before the revoker answers. A
  tombstone or publish that failed leaves the session in the revocation outbox, and the
  revoker then holds its answer for ``DRAIN_INTERVAL`` (``SessionRevoker``).
- Each process trusts its cache only while its last outbox check is younger than
  ``DRAIN_INTERVAL`` (by the request clock, from the check's start; a clock stepped back
  counts as old) and ended with the outbox empty. From half the interval on, the next
  request checks again (the others keep trusting the last check meanwhile); a request
  that finds no fresh check drains the outbox before it looks at the cache. A check
  tombstones and publishes every entry and removes those that landed, page by page; then
  the copies wait for a fresh read of the feed. While entries remain (the cache is
  unreachable), while a check runs and the last one is stale, or after a check failed,
  requests read the database instead.
- So a request that starts after a revocation's answer finds this process's last check
  either started after the commit (it saw the entry: tombstoned it, or distrusts the
  cache) or at least one interval old (the request checks first).

Cost: no database access per request while the outbox is empty and was checked within
the interval; two outbox reads per process and interval under traffic; a revocation
during a cache outage answers one interval later. Checking the outbox on every request
would cost a database round trip per request, as much as the session read the cache
saves. A request already running while the revocation commits may still see the session
valid, as with any revocation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from application.common.near_cache import UNTRUSTED, NearCache, session_key
from application.ports.ephemeral import SessionValidityCache
from application.ports.persistence import UnitOfWork
from domain.ids import SessionId

DRAIN_INTERVAL = timedelta(seconds=1)
DRAIN_PAGE_SIZE = 100
DRAIN_MAX_PAGES = 50


@dataclass(frozen=True, slots=True)
class _Check:
    """When the last outbox check started, stops being trusted, and is due again: the
    instants every request compares against, worked out once per check."""

    at: datetime
    stale_at: datetime
    due_at: datetime


class SessionValidity:
    """One per process: it keeps the outbox-check state between requests."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        cache: SessionValidityCache,
        near: NearCache | None = None,
        drain_interval: timedelta = DRAIN_INTERVAL,
        page_size: int = DRAIN_PAGE_SIZE,
        max_pages: int = DRAIN_MAX_PAGES,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._near = near or NearCache(None)
        self._drain_interval = drain_interval
        self._page_size = page_size
        self._max_pages = max_pages
        self._lock = Lock()
        self._check: _Check | None = None
        self._draining = False
        self._outbox_empty = False

    def is_valid(self, session_id: SessionId, at: datetime) -> bool:
        trusted = self._trust_cache(at)
        key = session_key(session_id)
        near = self._near.lookup(key) if trusted else UNTRUSTED
        if isinstance(near.value, bool):
            return near.value
        cached = self._cache.get(session_id) if trusted else None
        if cached is not None:
            self._near.keep(key, cached, near.token)
            return cached
        with self._uow_factory() as uow:
            active = uow.sessions.is_active(session_id, at)
        if trusted:
            if active:
                self._cache.remember_valid(session_id)
            self._near.keep(key, active, near.token)
        return active

    def _trust_cache(self, at: datetime) -> bool:
        """Trusted while the last check is younger than the interval and found the outbox
        empty. From half the interval on, one request checks again while the others go on
        trusting the last check (so under traffic no request waits on the outbox)."""
        with self._lock:
            last = self._check
            fresh = last is not None and last.at <= at < last.stale_at
            due = last is None or not fresh or at >= last.due_at
            if self._draining or not due:
                return fresh and self._outbox_empty
            self._draining = True
        empty = False
        try:
            empty = self._drain()
        finally:
            self._near.expire()  # copies are trusted again only after a read of the feed
            with self._lock:
                self._draining, self._outbox_empty = False, empty
                self._check = _Check(at, at + self._drain_interval, at + self._drain_interval / 2)
        return empty

    def _drain(self) -> bool:
        """Tombstone and clear the outbox a page at a time; True once it is empty. Stops
        at the first tombstone that fails, and after ``max_pages`` full pages. No cache
        call happens inside a transaction."""
        for _ in range(self._max_pages):
            with self._uow_factory() as uow:
                page = uow.revocations.pending(limit=self._page_size)
            landed = list(itertools.takewhile(self._cache.tombstone, page))
            if landed and not self._near.drop([session_key(s) for s in landed]):
                landed = []
            if landed:
                with self._uow_factory() as uow:
                    uow.revocations.remove(landed)
                    uow.commit()
            if len(landed) < len(page):
                return False
            if len(page) < self._page_size:
                return True
        return False
