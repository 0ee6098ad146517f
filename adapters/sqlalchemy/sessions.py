"""Device sessions: the hot-path validity read and what a new sign-in compares against."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, false, func, select, update
from sqlalchemy.orm import Session

from adapters.sqlalchemy.keyset import newest_first
from adapters.sqlalchemy.mapping import session_from_row, session_to_row
from adapters.sqlalchemy.reads import one_row
from adapters.sqlalchemy.rows import SessionRow
from application.ports.persistence import Keyset, SeenBefore, SessionRepository
from domain.ids import SessionId, UserId
from domain.sessions import DeviceInfo, DeviceSession, NetworkInfo, SessionStatus


class SqlSessionRepository(SessionRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, session_id: SessionId, *, for_update: bool = False) -> DeviceSession | None:
        query = select(SessionRow).where(SessionRow.id == session_id)
        row = one_row(self._session, query, for_update=for_update)
        return session_from_row(row) if row else None

    def add(self, session: DeviceSession) -> None:
        self._session.add(session_to_row(session))
        self._session.flush()

    def save(self, session: DeviceSession) -> None:
        self._session.merge(session_to_row(session))

    def list_active(self, user_id: UserId, at: datetime) -> list[DeviceSession]:
        query = (
            select(SessionRow)
            .where(SessionRow.user_id == user_id, _active(at))
            .order_by(SessionRow.created_at.desc(), SessionRow.id.desc())
            .execution_options(populate_existing=True)
        )
        return [session_from_row(row) for row in self._session.scalars(query)]

    def page_for_user(
        self, user_id: UserId, *, after: Keyset | None = None, limit: int
    ) -> list[DeviceSession]:
        query = select(SessionRow).where(SessionRow.user_id == user_id)
        query = newest_first(query, SessionRow.created_at, SessionRow.id, after, limit)
        return [session_from_row(row) for row in self._session.scalars(query)]

    def seen_before(
        self,
        user_id: UserId,
        device: DeviceInfo,
        network: NetworkInfo,
        country: str | None = None,
    ) -> SeenBefore:
        """One aggregate over the user's sessions (``ix_sessions_user_id``)."""
        same_device = and_(
            SessionRow.browser.is_not_distinct_from(device.browser),
            SessionRow.os.is_not_distinct_from(device.os),
            SessionRow.device.is_not_distinct_from(device.device),
        )
        same_country = SessionRow.location_country == country if country else false()
        query = select(
            func.count(),
            func.count().filter(same_device),
            func.count().filter(SessionRow.ip_prefix == network.ip_prefix),
            func.count().filter(SessionRow.location_country.is_not(None)),
            func.count().filter(same_country),
        ).where(SessionRow.user_id == user_id)
        total, devices, networks, located, countries = self._session.execute(query).one()
        return SeenBefore(
            device=devices > 0,
            network=networks > 0,
            sessions=total,
            country=countries > 0 if country and located else None,
        )

    def is_active(self, session_id: SessionId, at: datetime) -> bool:
        query = select(SessionRow.id).where(SessionRow.id == session_id, _active(at))
        return self._session.scalar(query) is not None

    def record_activity(self, session_id: SessionId, at: datetime) -> None:
        self._session.execute(
            update(SessionRow).where(SessionRow.id == session_id).values(last_activity_at=at),
            execution_options={"synchronize_session": False},
        )

    def delete_expired(self, before: datetime, limit: int) -> int:
        """Refresh tokens go by ``ON DELETE CASCADE``, event links by ``SET NULL``. Rows
        another transaction holds are skipped, so the sweep never waits on a request."""
        doomed = (
            select(SessionRow.id)
            .where(SessionRow.expires_at < before)
            .order_by(SessionRow.expires_at, SessionRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(self._session.scalars(doomed))
        if ids:
            self._session.execute(
                delete(SessionRow).where(SessionRow.id.in_(ids)),
                execution_options={"synchronize_session": False},
            )
        return len(ids)


def _active(at: datetime) -> ColumnElement[bool]:
    return and_(SessionRow.status == SessionStatus.ACTIVE.value, SessionRow.expires_at > at)
