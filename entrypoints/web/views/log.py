"""The security log: the account's events, newest first, a page at a time, optionally of
one type, each told in a sentence."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from application.account.list_events import ListOwnEventsCommand
from application.sessions.list_sessions import ListSessionsCommand
from domain.errors import InvalidCursorError
from domain.events import EventType
from entrypoints.http.api import container, current_request
from entrypoints.web import security_log
from entrypoints.web.blueprint import console
from entrypoints.web.pages import render, signed_in, who

PAGE_SIZE = 25
_TYPES = frozenset(kind.value for kind in EventType)


@console.route("/events", methods=["GET"])
@signed_in
def security_log_page() -> ResponseReturnValue:
    args = current_request().args
    chosen = args.get("type", "")
    event_type = EventType(chosen) if chosen in _TYPES else None
    person = who()
    services = container()
    command = ListOwnEventsCommand(
        user_id=person.user_id,
        event_type=event_type,
        cursor=args.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    try:
        page = services.list_own_events()(command)
    except InvalidCursorError:  # an edited or stale link: start from the newest
        page = services.list_own_events()(ListOwnEventsCommand(person.user_id, event_type))
    listed = services.list_sessions()(ListSessionsCommand(person.user_id, person.session_id))
    sessions = {str(view.id): view for view in listed}
    lines = [
        (event, security_log.describe(event, sessions), security_log.kind(event.type))
        for event in page.items
    ]
    return render(
        "security_log.html",
        lines=lines,
        next_cursor=page.next_cursor,
        chosen=event_type.value if event_type else "",
        filters=security_log.FILTERS,
        paged=bool(args.get("cursor")),
    )
