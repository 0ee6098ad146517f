"""``GET /admin/events``: the whole security log, or one user's, or one type's."""

from __future__ import annotations

from dataclasses import dataclass

from application.admin.access import require_admin
from application.common.paging import DEFAULT_LIMIT, Page
from application.common.security_log import EventQuery, read_events
from application.ports.persistence import UnitOfWork
from application.results import EventItem
from domain.events import EventType
from domain.ids import UserId


@dataclass(frozen=True, slots=True)
class ListEventsCommand:
    actor: UserId
    user_id: UserId | None = None
    event_type: EventType | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


class ListEvents:
    """Also events with no user (failed sign-ins for unknown emails) when no user is
    named. Reading the log changes nothing in it (SECURITY LO-05)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: ListEventsCommand) -> Page[EventItem]:
        query = EventQuery(cmd.user_id, cmd.event_type, cmd.cursor, cmd.limit)
        with self._uow as uow:
            require_admin(uow, cmd.actor)
            return read_events(uow, query)
