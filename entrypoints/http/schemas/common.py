"""Fields and schemas every area uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import Schema, ValidationError, fields, validate

MAX_SECRET_INPUT = 1024
"""Bounds what a password field may carry; the policy then says whether it is too long."""


class EmailField(fields.String):
    """An address that passes ``email-validator``'s syntax check (no DNS lookups)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Length(max=254), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        try:
            validate_email(text.strip(), check_deliverability=False)
        except EmailNotValidError as error:
            raise ValidationError(str(error)) from None
        return text


class UtcDateTime(fields.DateTime):
    """RFC 3339 in UTC with a ``Z``."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def secret_field(**kwargs: Any) -> fields.String:
    return fields.String(
        required=True, validate=validate.Length(min=1, max=MAX_SECRET_INPUT), **kwargs
    )


class ProblemResponse(Schema):
    """RFC 9457 problem details, as every error of the API is sent."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "stable snake_case error code"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "on 422"},
    )


class StatusResponse(Schema):
    status = fields.String(required=True)


class UserResponse(Schema):
    id = fields.UUID(required=True)
    email = fields.String(required=True)
    email_verified = fields.Boolean(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    phone_verified = fields.Boolean(required=True)
    avatar_url = fields.String(allow_none=True)
    role = fields.String(required=True)
    status = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)
    last_login_at = UtcDateTime(allow_none=True)
