"""Ending sessions so that the very next request fails, on every process.

PostgreSQL is the truth. A revocation commits first, then overwrites the cache entry with
a tombstone ("0"), so a reader that loaded "valid" just before the commit cannot cache it
again (its SET NX loses), and answers at once. The revocation also sits in an outbox,
written in the same transaction and cleared once the tombstone landed; while it is not
empty, every process reads validity from the database (``application.common.validity``;
SECURITY SE-07, FI-04). Only when the tombstone could not land (Redis away from this
process) does the revoker wait, one outbox check interval, before it answers: by then
every process has seen the outbox, so no request sent after the answer is served a stale
"valid" by a Redis this process could not reach.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from application.common.messages import announce
from application.common.validity import DRAIN_INTERVAL
from application.ports.ephemeral import SessionValidityCache
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from domain.ids import SessionId, UserId
from domain.sessions import DeviceSession, RevokeReason


class SessionRevoker:
    """``sleep`` waits out ``hold`` (at least the readers' outbox check interval) after a
    revocation whose tombstone could not land, and only then."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        cache: SessionValidityCache,
        publisher: EventPublisher,
        sleep: Callable[[float], None],
        hold: timedelta = DRAIN_INTERVAL,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._publisher = publisher
        self._sleep = sleep
        self._hold = hold

    def revoke(
        self, uow: UnitOfWork, session: DeviceSession, reason: RevokeReason, at: datetime
    ) -> bool:
        """Revoke inside the caller's transaction; False if it was already revoked."""
        if not self._mark(uow, session, reason, at):
            return False
        session_id, user_id = session.id, session.user_id
        uow.after_commit(lambda: self._forget([session_id], user_id, at))
        return True

    def revoke_all(
        self,
        uow: UnitOfWork,
        user_id: UserId,
        reason: RevokeReason,
        at: datetime,
        keep: SessionId | None = None,
    ) -> int:
        """Revoke the user's active sessions but ``keep``."""
        sessions = [s for s in uow.sessions.list_active(user_id, at) if s.id != keep]
        revoked = [s.id for s in sessions if self._mark(uow, s, reason, at)]
        if revoked:
            uow.after_commit(lambda: self._forget(revoked, user_id, at))
        return len(revoked)

    def _mark(
        self, uow: UnitOfWork, session: DeviceSession, reason: RevokeReason, at: datetime
    ) -> bool:
        draft = session.revoke(reason, at)
        if draft is None:
            return False
        uow.sessions.save(session)
        uow.refresh_tokens.revoke_for_session(session.id, at)
        uow.events.add(draft)
        uow.revocations.add(session.id, at)
        return True

    def _forget(self, session_ids: Sequence[SessionId], user_id: UserId, at: datetime) -> None:
        """What failed to land stays in the outbox for the next check to tombstone."""
        landed = [session_id for session_id in session_ids if self._cache.tombstone(session_id)]
        try:
            if landed:
                with self._uow_factory() as uow:
                    uow.revocations.remove(landed)
                    uow.commit()
            for session_id in session_ids:
                announce(self._publisher, "session:revoked", session_id, user_id, at)
        finally:
            if len(landed) < len(session_ids):
                self._sleep(self._hold.total_seconds())
