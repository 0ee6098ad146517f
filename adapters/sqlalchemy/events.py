"""The account event log: append, and read one user's events newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.sqlalchemy.mapping import event_from_row, event_to_row
from adapters.sqlalchemy.rows import EventRow
from application.ports.persistence import EventRepository
from application.ports.system import IdGenerator
from domain.events import AccountEvent, EventDraft
from domain.ids import EventId, UserId


class SqlEventRepository(EventRepository):
    def __init__(self, session: Session, ids: IdGenerator) -> None:
        self._session = session
        self._ids = ids

    def add(self, draft: EventDraft) -> AccountEvent:
        event = draft.with_id(EventId(self._ids.new()))
        self._session.add(event_to_row(event))
        self._session.flush()
        return event

    def list_for_user(self, user_id: UserId, *, limit: int = 50) -> list[AccountEvent]:
        query = (
            select(EventRow)
            .where(EventRow.user_id == user_id)
            .order_by(EventRow.occurred_at.desc(), EventRow.id.desc())
            .limit(limit)
        )
        return [event_from_row(row) for row in self._session.scalars(query)]
