"""Schemas of social sign-in (``/auth/oauth/*``) and of the linked providers (``/me/providers``)."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from domain.redirects import MAX_REDIRECT_LENGTH
from entrypoints.http.schemas.common import UtcDateTime
from entrypoints.http.schemas.mfa import ProofRequest

_OPAQUE = validate.Length(min=1, max=512)
_REDIRECT = validate.Length(min=1, max=MAX_REDIRECT_LENGTH)


class AuthorizeQuery(Schema):
    redirect_uri = fields.String(
        validate=_REDIRECT,
        metadata={
            "description": "where the browser returns, with `code` or `error`; it must be "
            "under a prefix of `BASTION_REDIRECT_ALLOWLIST` (origin and path at a `/` boundary)"
        },
    )
    link = fields.String(
        validate=_OPAQUE,
        metadata={
            "description": "the ticket of an `authorization_url` from `/me/providers/{p}/link`"
        },
    )

    @validates_schema
    def _one_purpose(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "redirect_uri" in data and "link" in data:
            raise ValidationError("Send redirect_uri or link, not both.", "link")


class LinkConfirmForm(Schema):
    """The form of the page ``authorize?link=`` answers, posted when the person continues."""

    link = fields.String(
        required=True,
        validate=_OPAQUE,
        metadata={"description": "the link ticket the page was opened with"},
    )
    confirmation = fields.String(
        required=True,
        validate=_OPAQUE,
        metadata={"description": "the value the page made for this browser's cookie"},
    )


class CallbackQuery(Schema):
    """What a provider appends to the callback. Providers add members of their own
    (``scope``, ``authuser``, ``prompt``, ``hd``...), so unknown members are ignored here,
    unlike in every JSON body."""

    class Meta:
        unknown = EXCLUDE

    state = fields.String(required=True, validate=_OPAQUE)
    code = fields.String(validate=validate.Length(min=1, max=2048))
    error = fields.String(validate=validate.Length(max=256))
    iss = fields.String(validate=validate.Length(max=512))


class CallbackForm(CallbackQuery):
    """Apple's ``form_post`` answer; ``user`` (JSON with the names) comes only the first
    time the person authorizes this client."""

    user = fields.String(validate=validate.Length(max=4096))


class ExchangeRequest(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {"code": "5Jd8k1mQ2p9xZ7vB3nW0yT4rL6sHq2Jx0Yk7fP1bN8s"}

    code = fields.String(
        required=True,
        validate=_OPAQUE,
        metadata={"description": "the one-time code the callback put on `redirect_uri` (60 s)"},
    )


class LinkRequest(ProofRequest):
    """Where the browser returns, and proof beyond the access token: the password or a
    current code (an account with neither proves it by a sign-in under 10 minutes old)."""

    EXAMPLE: ClassVar[dict[str, object]] = {
        "redirect_uri": "https://app.example.com/account/linked",
        "password": "correct horse battery staple",
    }

    redirect_uri = fields.String(required=True, validate=_REDIRECT)


class LinkResponse(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "authorization_url": "https://bastion.example/api/v1/auth/oauth/github/authorize"
        "?link=Zc7m2QJx0Yk7fP1bN8sV5cW3q2Jx0Yk7fP1bN8sV5cW"
    }

    authorization_url = fields.String(
        required=True,
        metadata={
            "description": "send the browser here (60 s, once); it comes back to `redirect_uri`"
        },
    )


class ProviderLinkResponse(Schema):
    EXAMPLE: ClassVar[dict[str, object]] = {
        "provider": "github",
        "email": "ada@example.com",
        "status": "connected",
        "linked_at": "2026-12-07T09:00:00Z",
        "last_sync_at": "2026-12-07T09:00:00Z",
    }

    provider = fields.String(required=True, validate=validate.OneOf(["google", "github", "apple"]))
    email = fields.String(
        required=True, allow_none=True, metadata={"description": "as the provider last reported it"}
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf(["connected", "token_missing"]),
        metadata={"description": "`token_missing` when the provider gave no access token"},
    )
    linked_at = UtcDateTime(required=True)
    last_sync_at = UtcDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "the last sign-in or link through it"},
    )


class ProviderLinkListResponse(Schema):
    """Every linked identity (at most one per provider), google, github, apple."""

    items = fields.List(fields.Nested(ProviderLinkResponse), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
