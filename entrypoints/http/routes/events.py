"""``/api/v1/me/events``: the caller's own security log."""

from __future__ import annotations

from typing import Any

from application.account.list_events import ListOwnEventsCommand
from application.common.paging import Page
from application.results import EventItem
from entrypoints.http.api import ApiBlueprint, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.schemas.events import EventPageResponse, EventsQuery

blp = ApiBlueprint(
    "events",
    __name__,
    url_prefix="/api/v1/me/events",
    description="Security log of the signed-in user",
)


@blp.route("", methods=["GET"])
@authenticated
@blp.arguments(EventsQuery, location="query")
@blp.response(200, EventPageResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 422)
def list_events(query: dict[str, Any]) -> Page[EventItem]:
    """Read the own security log.

    The caller's own events, newest first, optionally of one `type`. Keyset-paginated:
    pass `next_cursor` back as `cursor` until it is null. A malformed cursor
    (`invalid_cursor`) or a `limit` outside 1..100 answers 422. Events are append-only:
    no route edits or deletes one."""
    command = ListOwnEventsCommand(user_id=principal().user_id, **query)
    return container().list_own_events()(command)
