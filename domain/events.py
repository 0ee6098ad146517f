"""Account events: the security log. Metadata passes a per-type allow-list, so no
personal data (email, phone, IP, code, token) can enter it by accident."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.ids import EventId, SessionId, UserId

MetadataValue = str | int | bool | None
_MAX_VALUE_LENGTH = 120


class EventType(StrEnum):
    USER_REGISTERED = "user.registered"
    EMAIL_VERIFIED = "email.verified"
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    TOKEN_REUSE_DETECTED = "token.reuse_detected"
    SESSION_CREATED = "session.created"
    SESSION_REVOKED = "session.revoked"
    PASSWORD_CHANGED = "password.changed"
    PASSWORD_RESET_REQUESTED = "password.reset_requested"
    PASSWORD_RESET = "password.reset"
    PROFILE_UPDATED = "profile.updated"
    ACCOUNT_DELETED_UNVERIFIED = "account.unverified_deleted"
    MFA_TOTP_ENABLED = "mfa.totp_enabled"
    MFA_TOTP_DISABLED = "mfa.totp_disabled"
    MFA_SMS_ENABLED = "mfa.sms_enabled"
    MFA_SMS_DISABLED = "mfa.sms_disabled"
    MFA_BACKUP_CODES_REGENERATED = "mfa.backup_codes_regenerated"
    MFA_BACKUP_CODE_USED = "mfa.backup_code_used"
    LOGIN_MFA_CHALLENGED = "login.mfa_challenged"
    LOGIN_MFA_FAILED = "login.mfa_failed"
    PHONE_VERIFIED = "phone.verified"
    STEP_UP_FAILED = "step_up.failed"
    ACCOUNT_DISABLED = "account.disabled"
    ACCOUNT_ENABLED = "account.enabled"
    ACCOUNT_DELETED = "account.deleted"
    EMAIL_CHANGE_REQUESTED = "email.change_requested"
    EMAIL_CHANGED = "email.changed"
    SESSION_SUSPICIOUS = "session.suspicious"
    EXPORT_REQUESTED = "export.requested"
    EXPORT_COMPLETED = "export.completed"
    EXPORT_FAILED = "export.failed"
    EXPORT_DOWNLOADED = "export.downloaded"
    EXPORT_EXPIRED = "export.expired"
    PASSKEY_ADDED = "passkey.added"
    PASSKEY_REMOVED = "passkey.removed"
    PASSKEY_COUNTER_REGRESSION = "passkey.counter_regression"
    PROVIDER_LINKED = "provider.linked"
    PROVIDER_UNLINKED = "provider.unlinked"


METADATA_ALLOWLIST: Mapping[EventType, frozenset[str]] = {
    EventType.USER_REGISTERED: frozenset({"method"}),
    EventType.EMAIL_VERIFIED: frozenset(),
    EventType.LOGIN_SUCCEEDED: frozenset({"method", "trust_score"}),
    EventType.LOGIN_FAILED: frozenset({"reason", "failed_count"}),
    EventType.TOKEN_REUSE_DETECTED: frozenset({"token_age_seconds"}),
    EventType.SESSION_CREATED: frozenset({"browser", "os", "device", "trust_score", "methods"}),
    EventType.SESSION_REVOKED: frozenset({"reason"}),
    EventType.PASSWORD_CHANGED: frozenset({"sessions_revoked"}),
    EventType.PASSWORD_RESET_REQUESTED: frozenset(),
    EventType.PASSWORD_RESET: frozenset({"sessions_revoked"}),
    EventType.PROFILE_UPDATED: frozenset({"fields"}),
    EventType.ACCOUNT_DELETED_UNVERIFIED: frozenset(),
    EventType.MFA_TOTP_ENABLED: frozenset(),
    EventType.MFA_TOTP_DISABLED: frozenset({"proof"}),
    EventType.MFA_SMS_ENABLED: frozenset(),
    EventType.MFA_SMS_DISABLED: frozenset({"proof"}),
    EventType.MFA_BACKUP_CODES_REGENERATED: frozenset({"proof", "count"}),
    EventType.MFA_BACKUP_CODE_USED: frozenset({"codes_left"}),
    EventType.LOGIN_MFA_CHALLENGED: frozenset({"methods"}),
    EventType.LOGIN_MFA_FAILED: frozenset({"method", "reason"}),
    EventType.PHONE_VERIFIED: frozenset(),
    EventType.STEP_UP_FAILED: frozenset({"action", "reason"}),
    EventType.ACCOUNT_DISABLED: frozenset({"admin_id"}),
    EventType.ACCOUNT_ENABLED: frozenset({"admin_id"}),
    EventType.ACCOUNT_DELETED: frozenset({"proof"}),
    EventType.EMAIL_CHANGE_REQUESTED: frozenset(),
    EventType.EMAIL_CHANGED: frozenset(),
    EventType.SESSION_SUSPICIOUS: frozenset({"trust_score", "signals"}),
    EventType.EXPORT_REQUESTED: frozenset({"export_id"}),
    EventType.EXPORT_COMPLETED: frozenset({"export_id", "attempts", "size_bytes"}),
    EventType.EXPORT_FAILED: frozenset({"export_id", "reason", "attempts"}),
    EventType.EXPORT_DOWNLOADED: frozenset({"export_id"}),
    EventType.EXPORT_EXPIRED: frozenset({"export_id"}),
    EventType.PASSKEY_ADDED: frozenset({"device_type", "backed_up"}),
    EventType.PASSKEY_REMOVED: frozenset({"device_type"}),
    EventType.PASSKEY_COUNTER_REGRESSION: frozenset({"flow"}),
    EventType.PROVIDER_LINKED: frozenset({"provider"}),
    EventType.PROVIDER_UNLINKED: frozenset({"provider"}),
}


class MetadataNotAllowedError(ValueError):
    """A programming error: an event was given metadata its type does not allow."""


def check_metadata(event_type: EventType, metadata: Mapping[str, MetadataValue]) -> None:
    allowed = METADATA_ALLOWLIST[event_type]
    extra = set(metadata) - allowed
    if extra:
        raise MetadataNotAllowedError(f"{event_type}: keys not allowed: {sorted(extra)}")
    for key, value in metadata.items():
        if not isinstance(value, str | int | bool | None):
            raise MetadataNotAllowedError(f"{event_type}.{key}: scalar values only")
        if isinstance(value, str) and len(value) > _MAX_VALUE_LENGTH:
            raise MetadataNotAllowedError(f"{event_type}.{key}: value too long")


@dataclass(frozen=True, slots=True, kw_only=True)
class EventDraft:
    """An event an entity implies; it gets its id when the unit of work records it.

    ``user_id`` is None only for a failed sign-in of an unknown email and for the
    deletion of an account (which takes every event naming it along).
    """

    type: EventType
    user_id: UserId | None
    at: datetime
    session_id: SessionId | None = None
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_metadata(self.type, self.metadata)

    def with_id(self, event_id: EventId) -> AccountEvent:
        return AccountEvent(
            id=event_id,
            type=self.type,
            user_id=self.user_id,
            session_id=self.session_id,
            metadata=dict(self.metadata),
            occurred_at=self.at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountEvent:
    """A recorded event. Append-only: nothing edits or deletes one but the user's deletion."""

    id: EventId
    type: EventType
    user_id: UserId | None
    session_id: SessionId | None
    metadata: Mapping[str, MetadataValue]
    occurred_at: datetime
