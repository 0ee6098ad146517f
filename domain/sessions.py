"""Device sessions: one per sign-in on a device, the thing a refresh token is bound to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.base import Entity, clip
from domain.events import EventDraft, EventType
from domain.ids import SessionId, UserId

ACTIVITY_WRITE_INTERVAL = timedelta(minutes=1)
USER_AGENT_LIMIT = 512
DEVICE_FIELD_LIMIT = 100
LOCATION_FIELD_LIMIT = 100
COUNTRY_CODE_LENGTH = 2


class SessionStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class VerificationStatus(StrEnum):
    """``verified`` once a second factor or passkey proved the device; password alone is not."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"


class RevokeReason(StrEnum):
    LOGOUT = "logout"
    USER = "user"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    TOKEN_REUSE = "token_reuse"
    ADMIN = "admin"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_DELETED = "account_deleted"
    EXPIRED = "expired"


class AuthMethod(StrEnum):
    PASSWORD = "pwd"
    OTP = "otp"
    SMS = "sms"
    BACKUP = "backup"
    PASSKEY = "passkey"
    OAUTH = "oauth"


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What the User-Agent says; untrusted, so every field is clipped."""

    user_agent: str
    browser: str | None = None
    os: str | None = None
    device: str | None = None

    @classmethod
    def of(
        cls, user_agent: str, browser: str | None, os: str | None, device: str | None
    ) -> DeviceInfo:
        def cut(value: str | None) -> str | None:
            return clip(value, DEVICE_FIELD_LIMIT) if value else None

        return cls(clip(user_agent, USER_AGENT_LIMIT), cut(browser), cut(os), cut(device))

    @property
    def fingerprint(self) -> str:
        """Coarse device identity for "seen before": browser family, OS and device."""
        return "|".join(part or "?" for part in (self.browser, self.os, self.device))


@dataclass(frozen=True, slots=True)
class NetworkInfo:
    """The client IP as stored: a keyed hash (to compare) and a masked prefix (to show)."""

    ip_hash: str
    ip_prefix: str


@dataclass(frozen=True, slots=True)
class Location:
    """Where a sign-in came from, as far as a configured source says; all None when no
    source is configured or it does not know. Never guessed."""

    country: str | None = None
    """ISO 3166-1 alpha-2, upper case."""
    city: str | None = None
    timezone: str | None = None
    """An IANA name such as ``Europe/Paris``."""

    @classmethod
    def of(cls, country: str | None, city: str | None, timezone: str | None) -> Location:
        """Untrusted text made safe to store and show: a country that is not two letters
        (or is a placeholder such as ``XX`` or ``T1``) is dropped, names are clipped and
        lose control characters."""
        code = (country or "").strip().upper()
        known = len(code) == COUNTRY_CODE_LENGTH and code.isalpha() and code != "XX"
        return cls(code if known else None, _place(city), _place(timezone))

    @property
    def known(self) -> bool:
        return any((self.country, self.city, self.timezone))

    def describe(self) -> str:
        """``City, CC`` (or the part that is known) for a notice; empty when unknown."""
        return ", ".join(part for part in (self.city, self.country) if part)


def _place(text: str | None) -> str | None:
    cleaned = "".join(c for c in (text or "") if c.isprintable()).strip()
    return clip(cleaned, LOCATION_FIELD_LIMIT) if cleaned else None


@dataclass(eq=False, slots=True, kw_only=True)
class DeviceSession(Entity):
    id: SessionId
    user_id: UserId
    device: DeviceInfo
    network: NetworkInfo
    created_at: datetime
    expires_at: datetime
    last_activity_at: datetime
    methods: tuple[AuthMethod, ...] = (AuthMethod.PASSWORD,)
    trust_score: int = 0
    verification: VerificationStatus = VerificationStatus.UNVERIFIED
    location: Location = field(default_factory=Location)
    status: SessionStatus = SessionStatus.ACTIVE
    revoked_at: datetime | None = None
    revoked_reason: RevokeReason | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def is_active(self, at: datetime) -> bool:
        return self.status is SessionStatus.ACTIVE and at < self.expires_at

    def revoke(self, reason: RevokeReason, at: datetime) -> EventDraft | None:
        """Idempotent: revoking a revoked session changes nothing and records nothing."""
        if self.status is SessionStatus.REVOKED:
            return None
        self.status = SessionStatus.REVOKED
        self.revoked_at = at
        self.revoked_reason = reason
        return EventDraft(
            type=EventType.SESSION_REVOKED,
            user_id=self.user_id,
            session_id=self.id,
            at=at,
            metadata={"reason": reason.value},
        )

    def touch(self, at: datetime) -> bool:
        """Move ``last_activity_at``; True only when it is worth a write (once a minute)."""
        if at - self.last_activity_at < ACTIVITY_WRITE_INTERVAL:
            return False
        self.last_activity_at = at
        return True

    def created_event(self) -> EventDraft:
        return EventDraft(
            type=EventType.SESSION_CREATED,
            user_id=self.user_id,
            session_id=self.id,
            at=self.created_at,
            metadata={
                "browser": self.device.browser,
                "os": self.device.os,
                "device": self.device.device,
                "trust_score": self.trust_score,
                "methods": ",".join(m.value for m in self.methods),
            },
        )
