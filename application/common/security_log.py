"""Reading the security log a page at a time, newest first: the step ``GET /me/events``
and ``GET /admin/events`` share. Who may read which events is the callers' rule."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.paging import Page, check_limit, decode_cursor, page_of
from application.ports.persistence import Keyset, UnitOfWork
from application.results import EventItem
from domain.events import AccountEvent, EventType
from domain.ids import UserId

CURSOR_KIND = "events"


@dataclass(frozen=True, slots=True)
class EventQuery:
    user_id: UserId | None
    event_type: EventType | None
    cursor: str | None
    limit: int


def read_events(uow: UnitOfWork, query: EventQuery) -> Page[EventItem]:
    limit = check_limit(query.limit)
    rows = uow.events.page(
        user_id=query.user_id,
        event_type=query.event_type,
        after=decode_cursor(CURSOR_KIND, query.cursor),
        limit=limit + 1,
    )
    return page_of(CURSOR_KIND, rows, limit, _position, EventItem.of)


def _position(event: AccountEvent) -> Keyset:
    return Keyset(at=event.occurred_at, id=event.id)
