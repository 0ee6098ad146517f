"""What every authenticated call reads, whoever answers it: a cache or the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from application.ports.ephemeral import Toll
from domain.ids import SessionId, UserId
from domain.users import UserProfile


class LiveSessions(Protocol):
    """Is a session live (neither revoked nor expired), and its user's profile, read
    together. PostgreSQL is the truth; an implementation may cache, but a session revoked
    there must read as revoked on every process (SECURITY SE-07): from the answer to the
    revocation on when the cache could be told, within a bounded interval otherwise."""

    def is_live(self, session_id: SessionId, at: datetime, toll: Toll | None = None) -> bool:
        """Given a ``toll``, spends it with the read (one round trip where the cache
        answers) and raises ``RateLimitedError`` when it is refused, whatever the
        session's state."""
        ...

    def profile_if_live(
        self, session_id: SessionId, user_id: UserId, at: datetime, toll: Toll | None = None
    ) -> UserProfile | None:
        """The user's profile, or None when the session is not live; ``toll`` as above."""
        ...

    def revoked(self, session_ids: Sequence[SessionId]) -> None:
        """Told after the commit that revoked these sessions and put them in the
        revocation outbox; returns once no process will be served a stale "live"."""
        ...
