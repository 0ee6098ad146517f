"""Live sessions and profiles from the cache, PostgreSQL on a miss (SECURITY SE-07, FI-04).

One cache read per call (validity and, for ``GET /me``, the profile; with the request's
API-wide toll when the caller hands it over); a miss, or an unreachable cache, reads the
database and fills the cache ("valid" never over a tombstone). A revocation tombstones
the cache after its commit; one whose tombstone could not land stays in the revocation
outbox, which every process checks at least once per ``DRAIN_INTERVAL`` before trusting
the cache, tombstoning what it finds. While the outbox is not empty, or a check failed or
is overdue, this process reads the database. So the revoker that could not reach the
cache waits one interval, and no request sent after its answer is served a stale
"valid". Under traffic one request per interval and process checks; the others go on
trusting the last check meanwhile.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from application.ports.ephemeral import CachedSession, Decision, RateLimiter, SessionCache, Toll
from application.ports.persistence import UnitOfWork
from application.ports.reads import LiveSessions
from domain.errors import RateLimitedError
from domain.ids import SessionId, UserId
from domain.users import UserProfile

DRAIN_INTERVAL = timedelta(seconds=1)
DRAIN_PAGE_SIZE = 100
DRAIN_MAX_PAGES = 50
_UNREAD = CachedSession(valid=None)


@dataclass(frozen=True, slots=True)
class _Check:
    """When the last outbox check started, stops being trusted, and is due again."""

    at: datetime
    stale_at: datetime
    due_at: datetime


class CachedLiveSessions(LiveSessions):
    """One per process: it keeps the state of its last outbox check between requests."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        cache: SessionCache,
        limiter: RateLimiter,
        sleep: Callable[[float], None],
        drain_interval: timedelta = DRAIN_INTERVAL,
        page_size: int = DRAIN_PAGE_SIZE,
        max_pages: int = DRAIN_MAX_PAGES,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._limiter = limiter
        self._sleep = sleep
        self._drain_interval = drain_interval
        self._page_size = page_size
        self._max_pages = max_pages
        self._lock = Lock()
        self._check: _Check | None = None
        self._draining = False
        self._outbox_empty = False
        self._distrusts = 0

    def is_live(self, session_id: SessionId, at: datetime, toll: Toll | None = None) -> bool:
        trusted = self._trust_cache_or_settle(at, toll)
        cached = self._cache.read(session_id, toll=toll) if trusted else _UNREAD
        self._settle(toll, cached.toll)
        if cached.valid is not None:
            return cached.valid
        with self._uow_factory() as uow:
            live = uow.sessions.is_active(session_id, at)
        if trusted:
            self._fill(session_id, live)
        return live

    def profile_if_live(
        self, session_id: SessionId, user_id: UserId, at: datetime, toll: Toll | None = None
    ) -> UserProfile | None:
        trusted = self._trust_cache_or_settle(at, toll)
        cached = self._cache.read(session_id, user_id, toll) if trusted else _UNREAD
        self._settle(toll, cached.toll)
        if cached.valid is False:
            return None
        if cached.valid and cached.profile is not None:
            return cached.profile
        with self._uow_factory() as uow:
            live = cached.valid or uow.sessions.is_active(session_id, at)
            user = uow.users.get(user_id) if live else None
        profile = UserProfile.of(user) if user is not None else None
        if trusted:
            if cached.valid is None or profile is None:
                self._fill(session_id, profile is not None)
            if profile is not None:
                self._cache.remember_profile(profile)
        return profile

    def revoked(self, session_ids: Sequence[SessionId]) -> None:
        """What failed to land stays in the outbox for the next check to tombstone, and
        the caller waits that check out."""
        landed = [session_id for session_id in session_ids if self._cache.tombstone(session_id)]
        try:
            if landed:
                with self._uow_factory() as uow:
                    uow.revocations.remove(landed)
                    uow.commit()
        finally:
            if len(landed) < len(session_ids):
                self._sleep(self._drain_interval.total_seconds())

    def _trust_cache_or_settle(self, at: datetime, toll: Toll | None) -> bool:
        """``_trust_cache``; when its outbox check fails (the database is away), the toll
        is spent before the failure goes up, so no request leaves without paying it."""
        try:
            return self._trust_cache(at)
        except Exception:
            self._settle(toll, None)
            raise

    def _settle(self, toll: Toll | None, decision: Decision | None) -> None:
        """A toll the cache did not answer (unread, unreachable) is spent on the limiter,
        which has its own fallback: a request never skips it."""
        if toll is None:
            return
        if decision is None:
            decision = self._limiter.acquire(toll.key, toll.limit)
        if not decision.allowed:
            raise RateLimitedError(decision.retry_after, bucket=toll.bucket)

    def _fill(self, session_id: SessionId, live: bool) -> None:
        """A tombstone that fails means this process cannot reach the cache, just when a
        revocation's own tombstone may have failed: the next request checks the outbox
        before it trusts the cache again."""
        if live:
            self._cache.remember_valid(session_id)
        elif not self._cache.tombstone(session_id):
            with self._lock:
                self._check = None
                self._distrusts += 1

    def _trust_cache(self, at: datetime) -> bool:
        """Trusted while the last check is younger than the interval and found the outbox
        empty (a clock stepped back counts as old). From half the interval on, one request
        checks again while the others trust the last check."""
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
