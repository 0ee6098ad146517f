"""``GET /me/events``: the signed-in user's own security log."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.paging import DEFAULT_LIMIT, Page
from application.common.security_log import EventQuery, read_events
from application.ports.persistence import UnitOfWork
from application.results import EventItem
from domain.events import EventType
from domain.ids import UserId


@dataclass(frozen=True, slots=True)
class ListOwnEventsCommand:
    user_id: UserId
    event_type: EventType | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


class ListOwnEvents:
    """Only the caller's events, whatever the cursor says: a cursor holds a position,
    never whose log it is (SECURITY LO-05)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: ListOwnEventsCommand) -> Page[EventItem]:
        query = EventQuery(cmd.user_id, cmd.event_type, cmd.cursor, cmd.limit)
        with self._uow as uow:
            return read_events(uow, query)
