"""Query and bodies of ``/api/v1/admin``."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.users import UserStatus
from entrypoints.http.schemas.common import UserResponse
from entrypoints.http.schemas.paging import PageQuery, next_cursor_field
from entrypoints.http.schemas.sessions import SessionResponse


class UsersQuery(PageQuery):
    email_prefix = fields.String(
        data_key="q",
        validate=[
            validate.Length(max=254),
            validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="No control characters."),
        ],
        metadata={"description": "start of the email, any case; % and _ are plain characters"},
    )
    status = fields.Enum(UserStatus, by_value=True)


class UserPageResponse(Schema):
    """Newest accounts first."""

    items = fields.List(fields.Nested(UserResponse), required=True)
    next_cursor = next_cursor_field()


class FactorSummaryResponse(Schema):
    methods = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "passkey, totp, sms, backup_code"},
    )
    backup_codes_left = fields.Integer(required=True)
    passkeys = fields.Integer(required=True)
    providers = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "linked sign-in providers (google, github, apple); no token"},
    )


class UserDetailResponse(Schema):
    user = fields.Nested(UserResponse, required=True)
    sessions = fields.List(fields.Nested(SessionResponse), required=True)
    factors = fields.Nested(FactorSummaryResponse, required=True)
