"""Short-lived state (Redis or in-process). Losing all of it logs nobody out and lets no
used code be used again: the durable facts live behind the persistence ports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from domain.ids import SessionId, UserId
from domain.users import UserProfile


@dataclass(frozen=True, slots=True)
class CachedSession:
    """What the cache holds for one authenticated call. ``valid`` is None on a miss;
    ``profile`` is None on a miss, after a change (a tombstone), or when not asked for;
    ``toll`` is the decision on the toll charged with the read, None when none was asked
    for or the cache did not answer it (the caller then spends it elsewhere: after a
    timeout it may have been spent twice, never not at all)."""

    valid: bool | None
    profile: UserProfile | None = None
    toll: Decision | None = None


class SessionCache(Protocol):
    """``session:valid:{sid}`` ("1" valid, "0" revoked, 5 minutes) and
    ``user:profile:v1:{uid}`` (the profile as ``GET /me`` shows it, 60 s): what an
    authenticated call reads, both in one round trip. Never raises: an unreachable cache
    reads as a miss, and a write to it is lost."""

    def read(
        self, session_id: SessionId, user_id: UserId | None = None, toll: Toll | None = None
    ) -> CachedSession:
        """The session's state and, given ``user_id``, that user's profile; given a
        ``toll``, spends it in the same round trip, as ``RateLimiter.acquire`` would."""
        ...

    def remember_valid(self, session_id: SessionId) -> None:
        """Cache "valid" only if nothing is cached (SET NX): a tombstone always wins."""
        ...

    def tombstone(self, session_id: SessionId) -> bool:
        """Cache "revoked" over whatever is there; False when the cache was unreachable."""
        ...

    def remember_profile(self, profile: UserProfile) -> None:
        """Cache it only where nothing is cached (SET NX): a fill never overwrites the
        tombstone of a change, so a read from before the change cannot put it back."""
        ...

    def forget_profiles(self, user_ids: Iterable[UserId]) -> None:
        """After a commit that changed these users: a 10-second tombstone over each, longer
        than any statement that could have read the old row may run."""
        ...


@dataclass(frozen=True, slots=True)
class Limit:
    """A leaky bucket holding ``capacity`` units that drains ``capacity`` per ``period`` s."""

    capacity: int
    period: float

    @property
    def leak_per_second(self) -> float:
        return self.capacity / self.period


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: int = 0


@dataclass(frozen=True, slots=True)
class Toll:
    """One unit of the bucket ``key`` (a ``RateLimiter`` key), spent in the round trip of
    a cache read the request makes anyway; ``bucket`` names the rule for the 429."""

    key: str
    limit: Limit
    bucket: str


class RateLimiter(Protocol):
    """Leaky buckets under ``ratelimit:{key}``; every key expires once drained."""

    def acquire(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        """Add ``cost`` if it fits, atomically (one step, no read-modify-write); otherwise
        change nothing and say how many whole seconds until it would fit."""
        ...

    def probe(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        """Would ``cost`` fit now? Changes nothing."""
        ...

    def clear(self, key: str) -> None: ...


class ChallengeStore(Protocol):
    """Short-lived records for codes, tokens and ceremonies. Raises ``UnavailableError``
    when the store cannot be reached: flows that need it fail cleanly with 503."""

    def put(self, key: str, fields: Mapping[str, str], ttl_seconds: int) -> None:
        """Create or replace the record, expiring after ``ttl_seconds``."""
        ...

    def get(self, key: str) -> dict[str, str] | None: ...

    def take(self, key: str) -> dict[str, str] | None:
        """Read and delete in one atomic step (GETDEL): of concurrent callers one wins."""
        ...

    def delete(self, key: str) -> None: ...

    def increment(self, key: str, ttl_seconds: int) -> int:
        """Atomically add one to a counter and return the new value; the TTL is set when
        the counter is created and never extended by later increments."""
        ...


class Lock(Protocol):
    def hold(self, name: str, ttl_seconds: int) -> AbstractContextManager[bool]:
        """Try to take the named lock; yields False (without waiting) if someone holds it.
        The TTL frees it if the holder dies."""
        ...
