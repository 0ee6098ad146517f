"""Bodies of the passkey endpoints (``/me/passkeys``, ``/auth/passkey``).

A credential is what the browser's ``PublicKeyCredential.toJSON()`` gives (WebAuthn L3):
camelCase members holding base64url text. Every member is bounded, so an oversized or
malformed credential is a 422 on its field, never a crash; members a browser adds that
this version does not know (newer extensions) are ignored rather than refused.
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from domain.passkeys import NAME_LIMIT
from entrypoints.http.schemas.common import EmailField, UtcDateTime

_BASE64URL = validate.Regexp(r"^[A-Za-z0-9_-]*={0,2}$", error="Must be base64url.")
_LOGIN_TOKEN = validate.Length(min=1, max=512)
MAX_ID_LENGTH = 1366
"""1023 bytes (WebAuthn's bound on a credential id) in base64url."""


def _base64url(max_length: int, *, required: bool = True, **kwargs: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=[validate.Length(max=max_length), _BASE64URL],
        metadata={"description": f"base64url, at most {max_length} characters"},
        **kwargs,
    )


def _name(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(min=1, max=NAME_LIMIT),
        metadata={"description": "how the user tells their passkeys apart"},
        **kwargs,
    )


def _credential(response: type[Schema]) -> dict[str, fields.Field[Any]]:
    return {
        "id": _base64url(MAX_ID_LENGTH),
        "rawId": _base64url(MAX_ID_LENGTH),
        "type": fields.String(required=True, validate=validate.OneOf(["public-key"])),
        "response": fields.Nested(response, required=True),
        "authenticatorAttachment": fields.String(
            allow_none=True, validate=validate.OneOf(["platform", "cross-platform"])
        ),
        "clientExtensionResults": fields.Dict(
            keys=fields.String(validate=validate.Length(max=64)), validate=validate.Length(max=16)
        ),
    }


class _Lenient(Schema):
    class Meta:
        unknown = EXCLUDE


class AttestationResponseJson(
    _Lenient.from_dict(  # type: ignore[misc]
        {
            "clientDataJSON": _base64url(8192),
            "attestationObject": _base64url(65536),
            "authenticatorData": _base64url(65536, required=False),
            "transports": fields.List(
                fields.String(validate=validate.Length(max=32)), validate=validate.Length(max=10)
            ),
            "publicKey": _base64url(8192, required=False, allow_none=True),
            "publicKeyAlgorithm": fields.Integer(),
        }
    )
):
    """``AuthenticatorAttestationResponseJSON``."""


class AssertionResponseJson(
    _Lenient.from_dict(  # type: ignore[misc]
        {
            "clientDataJSON": _base64url(8192),
            "authenticatorData": _base64url(16384),
            "signature": _base64url(2048),
            "userHandle": _base64url(128, required=False, allow_none=True),
        }
    )
):
    """``AuthenticatorAssertionResponseJSON``."""


_Registration = _Lenient.from_dict(_credential(AttestationResponseJson))
_Authentication = _Lenient.from_dict(_credential(AssertionResponseJson))


class RegistrationCredentialJson(_Registration):  # type: ignore[misc,valid-type]
    """``RegistrationResponseJSON``: ``credential.toJSON()`` after creation."""


class AuthenticationCredentialJson(_Authentication):  # type: ignore[misc,valid-type]
    """``AuthenticationResponseJSON``: ``credential.toJSON()`` after an assertion."""


_REGISTRATION_EXAMPLE = {
    "id": "k2Jb6n3kA8s9eW5XxJZ0Yw",
    "rawId": "k2Jb6n3kA8s9eW5XxJZ0Yw",
    "type": "public-key",
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {},
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiVHFfdVBhU0IifQ",
        "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikSZYN5YgOjGh0NBcPZHZgW4",
        "transports": ["internal", "hybrid"],
    },
}
_ASSERTION_EXAMPLE = {
    "id": "k2Jb6n3kA8s9eW5XxJZ0Yw",
    "rawId": "k2Jb6n3kA8s9eW5XxJZ0Yw",
    "type": "public-key",
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {},
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiaDFsVzNlUWUifQ",
        "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MdAAAAAQ",
        "signature": "MEUCIQDqzVt0b8mE3xV2wVQ0jHq3Y8v8bQ4Xj7u1k8S0n2m1FAIgR8w",
        "userHandle": "m3R0Zy1kR2VuZXJhdGVkVXNlckhhbmRsZQ",
    },
}
_CREATION_OPTIONS_EXAMPLE = {
    "rp": {"name": "Bastion", "id": "auth.example.com"},
    "user": {
        "id": "m3R0Zy1kR2VuZXJhdGVkVXNlckhhbmRsZQ",
        "name": "ada@example.com",
        "displayName": "Ada Lovelace",
    },
    "challenge": "Tq_uPaSBZKjZrUYadaxUZEdR2cd6XIWAZ6XPSqf7HYM",
    "pubKeyCredParams": [
        {"type": "public-key", "alg": -7},
        {"type": "public-key", "alg": -8},
        {"type": "public-key", "alg": -257},
    ],
    "timeout": 300000,
    "excludeCredentials": [],
    "authenticatorSelection": {
        "residentKey": "preferred",
        "requireResidentKey": False,
        "userVerification": "preferred",
    },
    "attestation": "none",
}
_REQUEST_OPTIONS_EXAMPLE = {
    "challenge": "h1lW3eQe5bq9Hf0r7Z2H8vVn2o3kqf0yTzWZ8Jx3c1A",
    "timeout": 300000,
    "rpId": "auth.example.com",
    "allowCredentials": [
        {"id": "k2Jb6n3kA8s9eW5XxJZ0Yw", "type": "public-key", "transports": ["internal"]}
    ],
    "userVerification": "required",
}


class PasskeyRegistrationRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {"credential": _REGISTRATION_EXAMPLE, "name": "Laptop"}

    credential = fields.Nested(RegistrationCredentialJson, required=True)
    name = _name(required=True)


class PasskeyRenameRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {"name": "Work phone"}

    name = _name(required=True)


class PasskeyOptionsRequest(Schema):
    """Nothing (the discoverable flow: the browser offers any passkey it holds), an
    ``email`` (that account's passkeys), or the ``login_token`` of a pending two-step
    sign-in (the passkey as its second step)."""

    EXAMPLE: ClassVar[dict[str, object]] = {"email": "ada@example.com"}

    email = EmailField()
    login_token = fields.String(validate=_LOGIN_TOKEN)

    @validates_schema
    def _one_way_in(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "email" in data and "login_token" in data:
            raise ValidationError("Send an email or a login_token, not both.", "_body")


class PasskeyVerifyRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "login_token": "v3Jx0Yk7fP1bN8sV5cW2q9Lr",
        "credential": _ASSERTION_EXAMPLE,
    }

    login_token = fields.String(required=True, validate=_LOGIN_TOKEN)
    credential = fields.Nested(AuthenticationCredentialJson, required=True)


class CreationOptionsResponse(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {"options": _CREATION_OPTIONS_EXAMPLE}

    options = fields.Dict(
        required=True,
        metadata={
            "description": "WebAuthn L3 `PublicKeyCredentialCreationOptionsJSON`: pass it to "
            "`PublicKeyCredential.parseCreationOptionsFromJSON`"
        },
    )


class SignInOptionsResponse(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "login_token": "v3Jx0Yk7fP1bN8sV5cW2q9Lr",
        "options": _REQUEST_OPTIONS_EXAMPLE,
    }

    login_token = fields.String(
        required=True,
        metadata={"description": "names this ceremony in the next call; lives 5 minutes"},
    )
    options = fields.Dict(
        required=True,
        metadata={
            "description": "WebAuthn L3 `PublicKeyCredentialRequestOptionsJSON`: pass it to "
            "`PublicKeyCredential.parseRequestOptionsFromJSON`"
        },
    )


class PasskeyResponse(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "id": "k2Jb6n3kA8s9eW5XxJZ0Yw",
        "name": "Laptop",
        "device_type": "multi_device",
        "backed_up": True,
        "transports": ["internal", "hybrid"],
        "created_at": "2026-12-07T09:00:00Z",
        "last_used_at": None,
    }

    id = fields.String(
        required=True, metadata={"description": "the credential id, unpadded base64url"}
    )
    name = fields.String(required=True)
    device_type = fields.String(
        required=True,
        validate=validate.OneOf(["single_device", "multi_device"]),
        metadata={"description": "`multi_device` when it may be synced (the BE flag)"},
    )
    backed_up = fields.Boolean(
        required=True, metadata={"description": "synced at the last use (the BS flag)"}
    )
    transports = fields.List(fields.String(), required=True)
    created_at = UtcDateTime(required=True)
    last_used_at = UtcDateTime(required=True, allow_none=True)


class PasskeyListResponse(Schema):
    """Every passkey of the user (at most 20), newest first, in one page."""

    items = fields.List(fields.Nested(PasskeyResponse), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
