"""What use cases return. Responses dump these, never entities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.ids import SessionId, UserId
from domain.users import User


@dataclass(frozen=True, slots=True, kw_only=True)
class UserProfile:
    id: UserId
    email: str
    email_verified: bool
    first_name: str
    last_name: str
    display_name: str | None
    phone: str | None
    phone_verified: bool
    avatar_url: str | None
    role: str
    status: str
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserProfile:
        return cls(
            id=user.id,
            email=user.email.value,
            email_verified=user.email_verified,
            first_name=user.first_name.value,
            last_name=user.last_name.value,
            display_name=user.display_name.value if user.display_name else None,
            phone=user.phone.value if user.phone else None,
            phone_verified=user.phone_verified,
            avatar_url=user.avatar_url,
            role=user.role.value,
            status=user.status.value,
            created_at=user.created_at,
            updated_at=user.updated_at,
            last_login_at=user.last_login_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: SessionId
    user: UserProfile
    token_type: str = "Bearer"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is calling, as proven by a valid access token on a live session."""

    user_id: UserId
    session_id: SessionId
    email: str
    role: str
    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class MfaChallenge:
    """The first step passed; ``POST /auth/login/mfa`` with ``login_token`` completes it."""

    login_token: str
    methods: tuple[str, ...]
    expires_in: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MfaStatus:
    methods: tuple[str, ...]
    totp_enabled: bool
    totp_enabled_at: datetime | None
    sms_enabled: bool
    sms_phone: str | None
    """Masked: country code and last two digits only."""
    sms_enabled_at: datetime | None
    backup_codes_left: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TotpEnrollment:
    secret: str
    otpauth_uri: str
    qr_svg: str
    expires_in: int
