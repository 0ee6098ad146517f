"""Short-lived state (Redis or in-process). Losing all of it logs nobody out and lets no
used code be used again: the durable facts live behind the persistence ports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from domain.ids import SessionId, UserId


class SessionValidityCache(Protocol):
    """``session:valid:{sid}``: "1" valid, "0" tombstone, TTL 5 minutes. Never raises."""

    def get(self, session_id: SessionId) -> bool | None:
        """True/False when cached; None on a miss or when the cache is unreachable."""
        ...

    def remember_valid(self, session_id: SessionId) -> None:
        """Cache "valid" only if nothing is cached (SET NX): a tombstone always wins."""
        ...

    def tombstone(self, session_id: SessionId) -> bool:
        """Cache "revoked" over whatever is there; False when the cache was unreachable."""
        ...


class ProfileCache(Protocol):
    """``user:profile:v1:{uid}``: a user's profile as ``GET /me`` shows it, as JSON text
    the caller makes and reads (the ``v1`` changes with its shape), so that call reads no
    database. Never raises: an unreachable cache reads as a miss."""

    def get(self, user_id: UserId) -> str | None:
        """The cached text; None on a miss, a tombstone, or an unreachable cache."""
        ...

    def remember(self, user_id: UserId, profile: str) -> None:
        """Cache it for 60 s, only where nothing is cached (SET NX): a fill never
        overwrites a tombstone, so a request that read the database before a change
        cannot put the old profile back."""
        ...

    def forget(self, user_ids: Iterable[UserId]) -> None:
        """After a commit that changed these users: a 10-second tombstone over each."""
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
