"""Request bodies of ``/api/v1/me``."""

from __future__ import annotations

from typing import ClassVar

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from entrypoints.http.schemas.common import (
    E164,
    PHONE_PATTERN,
    ChangeRequest,
    EmailField,
    NewPasswordField,
    secret_field,
)


class ProfileUpdateRequest(ChangeRequest):
    """Any subset of the fields; an empty string clears ``display_name`` or ``phone``.
    Email, role, status and verification flags are not writable here."""

    EXAMPLE: ClassVar[dict[str, object]] = {"display_name": "Ada", "phone": "+14155550100"}

    first_name = fields.String(validate=validate.Length(min=1, max=50))
    last_name = fields.String(validate=validate.Length(min=1, max=50))
    display_name = fields.String(validate=validate.Length(max=100))
    phone = fields.String(
        validate=[
            validate.Length(max=20),
            validate.Regexp(f"^$|{PHONE_PATTERN}", error=E164),
        ],
        metadata={"description": "E.164, e.g. +14155550100; an empty string removes it"},
    )


class ChangePasswordRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "current_password": "correct horse battery staple",
        "new_password": "purple tiger orbits the velvet lamp",
    }

    current_password = secret_field()
    new_password = NewPasswordField()


class EmailChangeRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "new_email": "ada@lovelace.example",
        "password": "correct horse battery staple",
    }

    new_email = EmailField(required=True)
    password = secret_field(metadata={"description": "the current password"})


class AvatarUploadRequest(Schema):
    file = Upload(
        required=True,
        metadata={
            "description": "PNG, JPEG or WebP, at most 2 MiB; the type is read from the bytes"
        },
    )
