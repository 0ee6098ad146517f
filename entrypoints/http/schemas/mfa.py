"""Bodies of the second-factor endpoints (``/auth/login/mfa``, ``/me/mfa``, ``/me/phone``)."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.factors import LoginMethod
from entrypoints.http.schemas.auth import TokenResponse
from entrypoints.http.schemas.common import SecretField, UserResponse, UtcDateTime, phone_field
from entrypoints.http.schemas.passkeys import AuthenticationCredentialJson

_CODE = validate.Length(min=1, max=64)
_LOGIN_TOKEN = validate.Length(min=1, max=512)


class LoginResponse(Schema):
    """The token response, or — for a user with a second factor — ``mfa_required: true``
    with a ``login_token`` for ``POST /auth/login/mfa``, the ``methods`` on offer and how
    many seconds the token lives (``expires_in``). No session exists until that step."""

    EXAMPLES: ClassVar[dict[str, dict[str, object]]] = {
        "signed_in": TokenResponse.EXAMPLE,
        "second_factor_required": {
            "mfa_required": True,
            "login_token": "mfa_3q2Jx0Yk7fP1bN8sV5cW",
            "methods": ["totp", "backup_code"],
            "expires_in": 300,
        },
    }

    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(required=True)
    session_id = fields.UUID()
    user = fields.Nested(UserResponse)
    mfa_required = fields.Boolean()
    login_token = fields.String()
    methods = fields.List(
        fields.String(), metadata={"description": "passkey, totp, sms, backup_code"}
    )


class MfaLoginRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "login_token": "mfa_3q2Jx0Yk7fP1bN8sV5cW",
        "method": "totp",
        "code": "123456",
    }

    login_token = fields.String(required=True, validate=_LOGIN_TOKEN)
    method = fields.String(required=True, validate=validate.OneOf([m.value for m in LoginMethod]))
    code = fields.String(
        validate=_CODE,
        metadata={
            "description": "6 digits (totp, sms) or a backup code (any case, dashes); "
            "required unless the method is passkey"
        },
    )
    credential = fields.Nested(
        AuthenticationCredentialJson,
        metadata={"description": "`credential.toJSON()`; required when the method is passkey"},
    )

    @validates_schema
    def _proof_for_the_method(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("method") == LoginMethod.PASSKEY.value:
            if "credential" not in data:
                raise ValidationError("Required for the passkey method.", "credential")
        elif "code" not in data:
            raise ValidationError("Missing data for required field.", "code")


class LoginTokenRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {"login_token": "mfa_3q2Jx0Yk7fP1bN8sV5cW"}

    login_token = fields.String(required=True, validate=_LOGIN_TOKEN)


class CodeRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {"code": "123456"}

    code = fields.String(required=True, validate=_CODE)


class ProofRequest(Schema):
    """Proof beyond the access token: the password, or a current authenticator or backup
    code. One of the two is required."""

    EXAMPLE: ClassVar[dict[str, object]] = {"password": "correct horse battery staple"}

    password = SecretField()
    code = fields.String(validate=_CODE)


class SmsSetupRequest(ProofRequest):
    """The number, and the password or a current code (binding a number is a sensitive
    change)."""

    EXAMPLE: ClassVar[dict[str, object]] = {
        "phone": "+14155550100",
        "password": "correct horse battery staple",
    }

    phone = phone_field(required=True)


class TotpSetupResponse(Schema):
    secret = fields.String(required=True, metadata={"description": "base32, 160 bits"})
    otpauth_uri = fields.String(required=True)
    qr_svg = fields.String(required=True, metadata={"description": "the URI as an SVG QR code"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds to confirm"})


class BackupCodesResponse(Schema):
    backup_codes = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "shown once; empty when an existing set stays in force"},
    )


class MfaStatusResponse(Schema):
    methods = fields.List(fields.String(), required=True)
    totp_enabled = fields.Boolean(required=True)
    totp_enabled_at = UtcDateTime(allow_none=True)
    sms_enabled = fields.Boolean(required=True)
    sms_phone = fields.String(allow_none=True, metadata={"description": "masked"})
    sms_enabled_at = UtcDateTime(allow_none=True)
    backup_codes_left = fields.Integer(required=True)
    passkeys = fields.Integer(required=True, metadata={"description": "how many passkeys"})
