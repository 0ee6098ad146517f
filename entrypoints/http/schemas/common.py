"""Fields and schemas every area uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

MAX_SECRET_INPUT = 1024
"""Bounds what a password field may carry; the policy then says whether it is too long."""


class EmailField(fields.String):
    """An address that passes ``email-validator``'s syntax check (no DNS lookups)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"format": "email", **kwargs.pop("metadata", {})}
        super().__init__(validate=validate.Length(max=254), metadata=metadata, **kwargs)

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


class SecretField(fields.String):
    """A password: only ever hashed or compared, never stored as text, so any character is
    taken (the NUL character included)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Length(min=1, max=MAX_SECRET_INPUT))
        super().__init__(**kwargs)


def secret_field(**kwargs: Any) -> SecretField:
    return SecretField(required=True, **kwargs)


class NewPasswordField(SecretField):
    """A password being chosen. The policy judges it (422 naming the rule); the OpenAPI
    document states its length bounds as this deployment configures them
    (:func:`entrypoints.http.docs.document_password_policy`)."""

    def __init__(self, **kwargs: Any) -> None:
        description = "any characters; length counted in code points after NFC normalisation"
        super().__init__(required=True, metadata={"description": description}, **kwargs)


PHONE_PATTERN = r"^[\s().-]*\+[\s().-]*[1-9]([\s().-]*[0-9]){6,14}[\s().-]*$"
"""E.164 (``+`` and 7 to 15 digits, the first not 0), spaces, dots, dashes and
parentheses allowed between them: what the phone number value accepts once it drops those."""
E164 = "Use the international E.164 form, e.g. +14155550100."


def phone_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=32), validate.Regexp(PHONE_PATTERN, error=E164)],
        metadata={"description": "E.164, e.g. +14155550100"},
        **kwargs,
    )


class JsonBoolean(fields.Boolean):
    """``true`` or ``false`` and nothing else: ``0``, ``1`` or ``"yes"`` in a JSON body is a
    mistake to report, not a boolean to guess."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class ChangeRequest(Schema):
    """A partial update: any subset of the fields, but at least one; an empty change is
    a mistake to report, not a success that did nothing."""

    @validates_schema
    def _changes_something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Send at least one field to change.", "_body")


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
