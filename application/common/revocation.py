"""Ending sessions so that the very next request fails, on every process.

PostgreSQL is the truth. A revocation commits first, then overwrites the cache entry with
a tombstone ("0"), so a reader that loaded "valid" just before the commit cannot cache it
again (its SET NX loses), and publishes the session on the invalidation feed, holding its
answer until no process trusts its copy (``application.common.near_cache``). The
revocation also sits in an outbox, written in the same transaction and cleared once the
tombstone and the publish landed. If the cache was unreachable, the revoker waits one
drain interval before it answers: by then every process checks the outbox before it
trusts its cache again (``application.common.validity``; SECURITY SE-07, FI-04), so no
request sent after the answer sees a stale "valid".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from application.common.messages import announce
from application.common.near_cache import NearCache, session_key
from application.common.validity import DRAIN_INTERVAL
from application.ports.ephemeral import SessionValidityCache
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from domain.ids import SessionId, UserId
from domain.sessions import DeviceSession, RevokeReason


class SessionRevoker:
    """``hold`` must be at least the readers' drain interval; ``sleep`` waits it out."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        cache: SessionValidityCache,
        publisher: EventPublisher,
        near: NearCache | None = None,
        hold: timedelta = DRAIN_INTERVAL,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._publisher = publisher
        self._near = near or NearCache(None)
        self._hold = hold
        self._sleep = sleep

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
        """Revoke the user's active sessions but ``keep``; one wait at most for them all."""
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
        landed = [session_id for session_id in session_ids if self._cache.tombstone(session_id)]
        if landed and not self._near.drop([session_key(s) for s in landed]):
            landed = []
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
            else:
                self._near.settle()
