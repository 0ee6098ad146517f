"""Is this session still valid? The hot-path question, asked on every authenticated call.

One cache read (``session:valid:{sid}``); a miss, or an unreachable cache, reads the
database and caches "valid" (never over a tombstone: a tombstone always wins). Nothing is
kept in process memory. PostgreSQL is the truth (SECURITY SE-07, FI-04).

Why a revoked session is not served from a stale cached "valid":

- A revocation commits, then tombstones the cache, and answers at once. Its session also
  sits in the revocation outbox, written in the same transaction and cleared once the
  tombstone landed (``SessionRevoker``).
- Each process trusts the cache only while its last outbox check is younger than
  ``DRAIN_INTERVAL`` (by the request clock, from the check's start; a clock stepped back
  counts as old) and ended with the outbox empty. From half the interval on, the next
  request checks again (the others keep trusting the last check meanwhile); a request
  that finds no fresh check drains the outbox before it looks at the cache. A check
  tombstones every entry and removes those that landed, page by page. While entries
  remain (the cache is unreachable), while a check runs and the last one is stale, or
  after a check failed, requests read the database instead.
- A request that reads the database and finds the session inactive tombstones it; when
  that fails, this process cannot reach the cache, and its next request checks the
  outbox before it trusts the cache again (so a cache that comes back with a stale
  "valid" is not read before the outbox is drained).
- So a revocation whose tombstone failed is refused at once by every process that cannot
  reach the cache either (it reads the database), and by every other process from its
  next check, at most ``DRAIN_INTERVAL`` later: the revoker does not wait that out, and a
  process that reaches the cache when the revoker could not may serve the stale "valid"
  until then.

Cost: no database access per request while the outbox is empty and was checked within
the interval; two outbox reads per process and interval under traffic. Checking the
outbox on every request would cost a database round trip per request, as much as the
session read the cache saves. A request already running while the revocation commits
may still see the session valid, as with any revocation.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

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
        drain_interval: timedelta = DRAIN_INTERVAL,
        page_size: int = DRAIN_PAGE_SIZE,
        max_pages: int = DRAIN_MAX_PAGES,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._drain_interval = drain_interval
        self._page_size = page_size
        self._max_pages = max_pages
        self._lock = Lock()
        self._check: _Check | None = None
        self._draining = False
        self._outbox_empty = False
        self._distrusts = 0

    def is_valid(self, session_id: SessionId, at: datetime) -> bool:
        trusted = self._trust_cache(at)
        cached = self._cache.get(session_id) if trusted else None
        if cached is not None:
            return cached
        with self._uow_factory() as uow:
            active = uow.sessions.is_active(session_id, at)
        if trusted:
            self._fill(session_id, active)
        return active

    def _fill(self, session_id: SessionId, active: bool) -> None:
        """Cache what the database said. A tombstone that fails means this process cannot
        reach the cache, just when a revocation's own tombstone may have failed: the next
        request checks the outbox before it trusts the cache again."""
        if active:
            self._cache.remember_valid(session_id)
        elif not self._cache.tombstone(session_id):
            with self._lock:
                self._check = None
                self._distrusts += 1

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
            self._draining, distrusts = True, self._distrusts
        empty = False
        try:
            empty = self._drain()
        finally:
            with self._lock:
                self._draining, self._outbox_empty = False, empty
                check = _Check(at, at + self._drain_interval, at + self._drain_interval / 2)
                self._check = check if distrusts == self._distrusts else None
        return empty

    def _drain(self) -> bool:
        """Tombstone and clear the outbox a page at a time; True once it is empty. Stops
        at the first tombstone that fails, and after ``max_pages`` full pages. No cache
        call happens inside a transaction."""
        for _ in range(self._max_pages):
            with self._uow_factory() as uow:
                page = uow.revocations.pending(limit=self._page_size)
            landed = list(itertools.takewhile(self._cache.tombstone, page))
            if landed:
                with self._uow_factory() as uow:
                    uow.revocations.remove(landed)
                    uow.commit()
            if len(landed) < len(page):
                return False
            if len(page) < self._page_size:
                return True
        return False
