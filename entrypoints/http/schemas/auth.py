"""Request and response bodies of ``/api/v1/auth``."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from entrypoints.http.schemas.common import (
    EmailField,
    NewPasswordField,
    UserResponse,
    secret_field,
)

_NAME = validate.Length(min=1, max=50)


class RegisterRequest(Schema):
    email = EmailField(required=True)
    password = NewPasswordField()
    first_name = fields.String(required=True, validate=_NAME)
    last_name = fields.String(required=True, validate=_NAME)


class VerifyEmailRequest(Schema):
    email = EmailField(required=True)
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="Six digits."))


class EmailRequest(Schema):
    email = EmailField(required=True)


class LoginRequest(Schema):
    email = EmailField(required=True)
    password = secret_field()


class RefreshRequest(Schema):
    # Generous bound: a wrong kind of token (an access JWT) must be a 401, not a 422.
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=4096))


class ResetPasswordRequest(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=512))
    new_password = NewPasswordField()


class TokenResponse(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    session_id = fields.UUID(required=True)
    user = fields.Nested(UserResponse, required=True)
