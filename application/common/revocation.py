"""Ending sessions so that the very next request fails, on every process.

PostgreSQL is the truth: a revocation marks the session, its refresh tokens and an entry in
the revocation outbox in the caller's transaction. After the commit, ``LiveSessions`` is
told (it updates its cache, keeping what it could not reach in the outbox) and
``session:revoked`` is published (SECURITY SE-07, FI-04).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from application.common.messages import announce
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.reads import LiveSessions
from domain.ids import SessionId, UserId
from domain.sessions import DeviceSession, RevokeReason


class SessionRevoker:
    def __init__(self, live: LiveSessions, publisher: EventPublisher) -> None:
        self._live = live
        self._publisher = publisher

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
        try:
            self._live.revoked(session_ids)
        finally:
            for session_id in session_ids:
                announce(self._publisher, "session:revoked", session_id, user_id, at)
