"""The account event log: append, and read it newest first a page at a time."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.sqlalchemy.keyset import newest_first
from adapters.sqlalchemy.mapping import event_from_row, event_to_row
from adapters.sqlalchemy.rows import EventRow
from application.ports.persistence import EventRepository, Keyset
from application.ports.system import IdGenerator
from domain.events import AccountEvent, EventDraft, EventType
from domain.ids import EventId, UserId

_COLUMNS = (
    EventRow.id,
    EventRow.type,
    EventRow.user_id,
    EventRow.session_id,
    EventRow.meta,
    EventRow.occurred_at,
)
"""Read as plain rows: a log page never needs ORM instances or the identity map, and
skipping them halves the cost of a large export (100 000 events)."""


class SqlEventRepository(EventRepository):
    def __init__(self, session: Session, ids: IdGenerator) -> None:
        self._session = session
        self._ids = ids
        self.recorded: list[EventDraft] = []
        """What this transaction added, for its unit of work to report after the commit."""

    def add(self, draft: EventDraft) -> AccountEvent:
        self.recorded.append(draft)
        event = draft.with_id(EventId(self._ids.new()))
        self._session.add(event_to_row(event))
        self._session.flush()
        return event

    def list_for_user(self, user_id: UserId, *, limit: int = 50) -> list[AccountEvent]:
        return self.page(user_id=user_id, limit=limit)

    def page(
        self,
        *,
        user_id: UserId | None = None,
        event_type: EventType | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[AccountEvent]:
        query = select(*_COLUMNS)
        if user_id is not None:
            query = query.where(EventRow.user_id == user_id)
        if event_type is not None:
            query = query.where(EventRow.type == event_type.value)
        query = newest_first(query, EventRow.occurred_at, EventRow.id, after, limit)
        return [event_from_row(row) for row in self._session.execute(query)]
