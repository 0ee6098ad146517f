"""Query and bodies of ``/api/v1/tasks``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate

from domain.tasks import DESCRIPTION_LIMIT, TITLE_LIMIT
from entrypoints.http.schemas.common import ChangeRequest, JsonBoolean, UtcDateTime
from entrypoints.http.schemas.paging import PageQuery, next_cursor_field


class DueDate(fields.AwareDateTime):
    """RFC 3339 with an offset, read as UTC; a time with no UTC equivalent is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Not a representable time.") from None


def _title(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=TITLE_LIMIT), **kwargs)


def _description(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=DESCRIPTION_LIMIT), **kwargs)


class TasksQuery(PageQuery):
    completed = fields.Boolean(metadata={"description": "only completed (true) or open (false)"})


class TaskCreateRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "title": "Renew the TLS certificate",
        "due_at": "2026-12-31T17:00:00Z",
    }

    title = _title(required=True)
    description = _description(load_default="")
    completed = JsonBoolean(load_default=False)
    due_at = DueDate(allow_none=True, load_default=None)


class TaskUpdateRequest(ChangeRequest):
    """Any subset of the fields, at least one; ``due_at: null`` removes the due date."""

    EXAMPLE: ClassVar[dict[str, object]] = {"completed": True}

    title = _title()
    description = _description()
    completed = JsonBoolean()
    due_at = DueDate(allow_none=True)


class TaskResponse(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    completed = fields.Boolean(required=True)
    due_at = UtcDateTime(required=True, allow_none=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


class TaskPageResponse(Schema):
    items = fields.List(fields.Nested(TaskResponse), required=True)
    next_cursor = next_cursor_field()


class DeletedTaskResponse(Schema):
    id = fields.UUID(required=True, metadata={"description": "the task's own id"})
    task = fields.Nested(TaskResponse, required=True)
    deleted_at = UtcDateTime(required=True)
    restorable_until = UtcDateTime(required=True)


class TrashPageResponse(Schema):
    items = fields.List(fields.Nested(DeletedTaskResponse), required=True)
    next_cursor = next_cursor_field()
