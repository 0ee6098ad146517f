"""Request and response bodies of ``/api/v1/auth``."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import Schema, fields, validate

from entrypoints.http.schemas.common import (
    EmailField,
    NewPasswordField,
    UserResponse,
    secret_field,
)

_NAME = validate.Length(min=1, max=50)


class RegisterRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "email": "ada@example.com",
        "password": "correct horse battery staple",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }

    email = EmailField(required=True)
    password = NewPasswordField()
    first_name = fields.String(required=True, validate=_NAME)
    last_name = fields.String(required=True, validate=_NAME)


class VerifyEmailRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {"email": "ada@example.com", "code": "493021"}

    email = EmailField(required=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="Six digits."))


class EmailRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {"email": "ada@example.com"}

    email = EmailField(required=True)


class LoginRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "email": "ada@example.com",
        "password": "correct horse battery staple",
    }

    email = EmailField(required=True)
    password = secret_field()


class RefreshRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "refresh_token": "q1Hn3VY0ZC8m1tqN3bJq7v0QxXoQ9kUe6xZ0p7Lr2aE"
    }

    # Generous bound: a wrong kind of token (an access JWT) must be a 401, not a 422.
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=4096))


class ResetPasswordRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "token": "Vd4yqPp1z6m0b0y7mQfW2gk9Jm3s8T1x",
        "new_password": "purple tiger orbits the velvet lamp",
    }

    token = fields.String(required=True, validate=validate.Length(min=1, max=512))
    new_password = NewPasswordField()


class TokenResponse(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzIn0.c2lnbmF0dXJl",
        "refresh_token": "q1Hn3VY0ZC8m1tqN3bJq7v0QxXoQ9kUe6xZ0p7Lr2aE",
        "token_type": "Bearer",
        "expires_in": 900,
        "session_id": "0193a5c2-7e41-7c1d-9f3e-2b6a0c1d4e5f",
        "user": {
            "id": "0193a5c2-6b10-7a2e-8d4c-1f2e3a4b5c6d",
            "email": "ada@example.com",
            "email_verified": True,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "display_name": None,
            "phone": None,
            "phone_verified": False,
            "avatar_url": None,
            "role": "user",
            "status": "active",
            "created_at": "2026-12-01T09:00:00Z",
            "updated_at": "2026-12-01T09:00:00Z",
            "last_login_at": "2026-12-07T08:30:00Z",
        },
    }

    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    session_id = fields.UUID(required=True)
    user = fields.Nested(UserResponse, required=True)
