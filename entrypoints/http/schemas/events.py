"""Query and bodies of the security log (``/me/events``, ``/admin/events``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from domain.events import EventType
from entrypoints.http.schemas.common import UtcDateTime
from entrypoints.http.schemas.paging import PageQuery, next_cursor_field


class EventsQuery(PageQuery):
    event_type = fields.Enum(
        EventType, by_value=True, data_key="type", metadata={"description": "only this type"}
    )


class AdminEventsQuery(EventsQuery):
    user_id = fields.UUID(metadata={"description": "only this user's events"})


class EventResponse(Schema):
    id = fields.UUID(required=True)
    type = fields.String(required=True)
    occurred_at = UtcDateTime(required=True)
    session_id = fields.UUID(
        required=True, allow_none=True, metadata={"description": "the device session, if any"}
    )
    metadata = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        required=True,
        metadata={"description": "per-type allow-listed scalars; never personal data"},
    )


class AdminEventResponse(EventResponse):
    user_id = fields.UUID(
        required=True, allow_none=True, metadata={"description": "null: unknown email"}
    )


class EventPageResponse(Schema):
    items = fields.List(fields.Nested(EventResponse), required=True)
    next_cursor = next_cursor_field()


class AdminEventPageResponse(Schema):
    items = fields.List(fields.Nested(AdminEventResponse), required=True)
    next_cursor = next_cursor_field()
