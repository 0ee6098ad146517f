"""The revocation outbox: sessions whose cache tombstone may not have landed yet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.sqlalchemy.rows import RevocationRow
from application.ports.persistence import RevocationOutbox
from domain.ids import SessionId


class SqlRevocationOutbox(RevocationOutbox):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, session_id: SessionId, at: datetime) -> None:
        """Idempotent: a session already waiting keeps its first entry."""
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(RevocationRow).values(session_id=session_id, created_at=at)
        self._session.execute(statement.on_conflict_do_nothing(index_elements=["session_id"]))

    def pending(self, limit: int = 100) -> list[SessionId]:
        query = (
            select(RevocationRow.session_id)
            .order_by(RevocationRow.created_at, RevocationRow.session_id)
            .limit(limit)
        )
        return [SessionId(session_id) for session_id in self._session.scalars(query)]

    def remove(self, session_ids: Sequence[SessionId]) -> None:
        if session_ids:
            self._session.execute(
                delete(RevocationRow).where(RevocationRow.session_id.in_(list(session_ids))),
                execution_options={"synchronize_session": False},
            )
