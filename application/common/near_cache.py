"""Copies of shared cache entries in process memory, so the hot path makes no round trip.

``GET /me`` needs the session's validity and the user's profile. Both live in the shared
cache (Redis), and the answer must never be older than a change the client has already
seen answered: after a logout's 204, no process may accept the token again (SECURITY
SE-07). The copies here keep that promise with a read-lease:

- Every writer of a cached entry publishes its key on the invalidation feed after the
  commit, drops its own copy, and holds its answer for ``HOLD`` (``settle``).
- A process trusts its copies only for ``WINDOW`` after the start of its last read of the
  feed, and applies what that read returned before trusting them. The first lookup past
  half the window reads the feed again (one round trip per process and half window, not
  per request), so under traffic the copies stay trusted but for a moment after each
  outbox check (below); when they are not (an idle process, a read in flight past the
  window, a feed that cannot be read) lookups fall through to the shared cache.
- So a request that arrives after a writer's answer finds this process's last read either
  started after the publish (it saw the key and dropped the copy) or more than ``WINDOW``
  ago (the lookup reads the feed first). ``HOLD`` exceeds ``WINDOW`` by a margin.
- A copy is kept only if no read of the feed changed anything since the lookup that
  missed, so a value loaded before a change cannot land after the change was applied.
- An incomplete page (the feed was trimmed or flushed), or a failed read, drops every
  copy; a feed that cannot be read leaves the copies untrusted, and requests use the
  shared cache and the database as they would without this layer.

A writer that cannot publish keeps its own fallback: the revocation outbox, which every
process drains (and then reads the feed again, ``expire``) before trusting its copies.
Requests already running when a change commits may still see the old value, as anywhere.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from application.ports.ephemeral import FeedPage, InvalidationFeed
from domain.ids import SessionId, UserId

WINDOW_SECONDS = 0.1
"""Long enough that a read of the feed started halfway through it ends in time even when
the reading thread waits for the GIL behind busy request threads (up to 5 ms a switch)."""
HOLD_SECONDS = WINDOW_SECONDS + 0.01
TTL_SECONDS = 60.0
CAPACITY = 50_000


@functools.lru_cache(maxsize=CAPACITY)
def session_key(session_id: SessionId) -> str:
    """Asked on every authenticated request for the same few ids; ``str(UUID)`` is slow."""
    return f"session:{session_id}"


@functools.lru_cache(maxsize=CAPACITY)
def user_key(user_id: UserId) -> str:
    return f"user:{user_id}"


class Lookup(NamedTuple):
    """``value`` is the copy (None on a miss or when untrusted); ``token`` lets the caller
    keep what it loads instead (None: do not keep anything). A tuple: two are made on
    every ``GET /me``, and a tuple is made in a third of a frozen dataclass's time."""

    value: object | None
    token: int | None


UNTRUSTED = Lookup(None, None)


class NearCache:
    """One per process. Without a feed (the embedded default, where the shared cache is
    already in-process) it holds nothing and its writers do not wait."""

    def __init__(
        self,
        feed: InvalidationFeed | None,
        *,
        window: float = WINDOW_SECONDS,
        hold: float = HOLD_SECONDS,
        ttl: float = TTL_SECONDS,
        capacity: int = CAPACITY,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if feed is not None and hold <= window:
            raise ValueError("a writer must hold its answer longer than readers trust a read")
        self._feed = feed
        self._window = window
        self._hold = hold
        self._ttl = ttl
        self._capacity = capacity
        self._monotonic = monotonic
        self._sleep = sleep
        self._reset()
        if feed is not None:  # a fork inherits no lock some thread held, and no copy
            reset = weakref.WeakMethod(self._reset)
            os.register_at_fork(after_in_child=lambda: (method := reset()) and method())

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._copies: dict[str, tuple[object, float]] = {}
        self._cursor: str | None = None
        self._trusted_until = self._refresh_at = float("-inf")
        self._reading = False
        self._epoch = 0
        self._expirations = 0

    def lookup(self, key: str) -> Lookup:
        if self._feed is None:
            return UNTRUSTED
        now = self._monotonic()
        if now >= self._refresh_at:
            self._read_feed(self._feed)
        return self._copy(key, now)

    def keep(self, key: str, value: object, token: int | None) -> None:
        """Keep ``value`` (loaded after the lookup that gave ``token``) unless the feed
        changed something since."""
        if token is None:
            return
        with self._lock:
            if token != self._epoch:
                return
            if len(self._copies) >= self._capacity:
                del self._copies[next(iter(self._copies))]
            self._copies[key] = (value, self._monotonic() + self._ttl)

    def drop(self, keys: Sequence[str]) -> bool:
        """Drop this process's copies and publish the keys; False when the feed was
        unreachable (the caller falls back on its outbox)."""
        if self._feed is None or not keys:
            return True
        self._forget(keys)
        return self._feed.publish(keys)

    def settle(self) -> None:
        """Wait until no process trusts a read of the feed made before the last ``drop``."""
        if self._feed is not None:
            self._sleep(self._hold)

    def expire(self) -> None:
        """The next lookup reads the feed first."""
        with self._lock:
            self._trusted_until = self._refresh_at = float("-inf")
            self._expirations += 1

    def _copy(self, key: str, now: float) -> Lookup:
        with self._lock:
            if now >= self._trusted_until:
                return UNTRUSTED
            copy = self._copies.get(key)
            if copy is None or copy[1] <= now:
                return Lookup(None, self._epoch)
            return Lookup(copy[0], self._epoch)

    def _read_feed(self, feed: InvalidationFeed) -> None:
        """One reader at a time, from halfway through the window on, so under traffic
        the next read lands before the last one stops being trusted; lookups meanwhile
        go on trusting the last read while it lasts."""
        with self._lock:
            if self._reading:
                return
            self._reading = True
            cursor, expirations = self._cursor, self._expirations
        started = self._monotonic()
        page = None
        try:
            page = feed.read(cursor)
        finally:
            self._apply(page, started, expirations)

    def _apply(self, page: FeedPage | None, started: float, expirations: int) -> None:
        """Trust is granted only by a read that started after the last ``expire``."""
        with self._lock:
            self._reading = False
            if page is None:  # unreachable: try again half a window on, not every lookup
                self._drop_all()
                self._cursor = None
                self._refresh_at = max(self._refresh_at, started + self._window / 2)
                return
            if not page.complete:
                self._drop_all()
            else:
                self._drop_locked(page.keys)
            self._cursor = page.cursor
            if expirations == self._expirations:
                self._trusted_until = started + self._window
                self._refresh_at = started + self._window / 2

    def _forget(self, keys: Iterable[str]) -> None:
        with self._lock:
            self._drop_locked(keys)

    def _drop_locked(self, keys: Iterable[str]) -> None:
        """Also a change for a key with no copy here: some lookup may be loading it."""
        changed = False
        for key in keys:
            self._copies.pop(key, None)
            changed = True
        if changed:
            self._epoch += 1

    def _drop_all(self) -> None:
        self._copies.clear()
        self._epoch += 1
