"""Responses of ``/api/v1/me/exports``."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.exports import ExportStatus, FailureReason
from entrypoints.http.schemas.common import UtcDateTime


class ExportResponse(Schema):
    id = fields.UUID(required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in ExportStatus]),
        metadata={"description": "`pending`, `processing`, `complete`, `failed` or `expired`"},
    )
    created_at = UtcDateTime(required=True)
    completed_at = UtcDateTime(required=True, allow_none=True)
    expires_at = UtcDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "when the file is deleted (set once complete)"},
    )
    size_bytes = fields.Integer(required=True, allow_none=True)
    failure_reason = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf([r.value for r in FailureReason]),
        metadata={"description": "set when `failed`: " + ", ".join(r.value for r in FailureReason)},
    )


class ExportListResponse(Schema):
    """The newest 50 exports in one page (``next_cursor`` is null)."""

    items = fields.List(fields.Nested(ExportResponse), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
