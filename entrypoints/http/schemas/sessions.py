"""Bodies of ``/api/v1/me/sessions`` (and the sessions in an administrator's user view)."""

from __future__ import annotations

from marshmallow import Schema, fields

from entrypoints.http.schemas.common import UtcDateTime
from entrypoints.http.schemas.paging import next_cursor_field


class LocationResponse(Schema):
    """Where the sign-in came from, as ``BASTION_GEOIP_DB`` or a trusted proxy's headers
    say; all null without a source or when it does not know. Never guessed."""

    country = fields.String(allow_none=True, metadata={"description": "ISO 3166-1 alpha-2"})
    city = fields.String(allow_none=True)
    timezone = fields.String(allow_none=True, metadata={"description": "IANA, e.g. Europe/Paris"})


class SessionResponse(Schema):
    id = fields.UUID(required=True)
    browser = fields.String(allow_none=True)
    os = fields.String(allow_none=True)
    device = fields.String(allow_none=True)
    network = fields.String(
        allow_none=True,
        metadata={"description": "masked client network (IPv4 /24, IPv6 /48); never the address"},
    )
    location = fields.Nested(LocationResponse, required=True)
    trust_score = fields.Integer(required=True, metadata={"description": "0..100"})
    verified = fields.Boolean(
        required=True, metadata={"description": "a second factor or passkey proved this device"}
    )
    methods = fields.List(
        fields.String(), required=True, metadata={"description": "amr: pwd, otp, sms, backup, ..."}
    )
    created_at = UtcDateTime(required=True)
    last_active_at = UtcDateTime(required=True)
    expires_at = UtcDateTime(required=True)
    current = fields.Boolean(
        required=True, metadata={"description": "true on the session of the calling token"}
    )


class SessionListResponse(Schema):
    """Every active session in one page (``next_cursor`` is null)."""

    items = fields.List(fields.Nested(SessionResponse), required=True)
    next_cursor = next_cursor_field()


class RevokedResponse(Schema):
    revoked = fields.Integer(required=True, metadata={"description": "how many sessions ended"})
