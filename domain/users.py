"""The user account and the rules of its lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import (
    AccountDisabledError,
    AccountLockedError,
    CannotDisableSelfError,
    EmailNotVerifiedError,
)
from domain.events import EventDraft, EventType
from domain.ids import UserId
from domain.passwords import PasswordHash
from domain.values import EmailAddress, PersonName, PhoneNumber

MAX_CONSECUTIVE_LOGIN_FAILURES = 100
"""NIST 800-63B §3.2.2: at most 100 consecutive failures, then the password must be reset.
Per-source throttling keeps an attacker far below this from any one address."""


class UserStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


@dataclass(eq=False, slots=True, kw_only=True)
class User(Entity):
    id: UserId
    email: EmailAddress
    first_name: PersonName
    last_name: PersonName
    created_at: datetime
    updated_at: datetime
    password: PasswordHash | None = None
    email_verified: bool = False
    email_verified_at: datetime | None = None
    phone: PhoneNumber | None = None
    phone_verified: bool = False
    phone_verified_at: datetime | None = None
    display_name: PersonName | None = None
    avatar_url: str | None = None
    avatar_key: str | None = None
    avatar_size: int | None = None
    avatar_mime_type: str | None = None
    status: UserStatus = UserStatus.ACTIVE
    role: Role = Role.USER
    metadata: dict[str, Any] = field(default_factory=dict)
    last_login_at: datetime | None = None
    failed_login_count: int = 0
    failed_mfa_count: int = 0
    """Consecutive wrong second-factor codes at sign-in, across every attempt."""
    totp_enabled: bool = False
    """Mirrors whether an authenticator factor exists (the seed's ``users.totp_enabled``),
    kept by the same transaction that adds or removes the factor."""

    @property
    def user_id(self) -> UserId:
        return self.id

    def check_may_sign_in(self, require_verified_email: bool) -> None:
        """Called only after the password matched, so these refusals reveal nothing new."""
        if self.status is UserStatus.DISABLED:
            raise AccountDisabledError()
        if max(self.failed_login_count, self.failed_mfa_count) >= MAX_CONSECUTIVE_LOGIN_FAILURES:
            raise AccountLockedError()
        if require_verified_email and not self.email_verified:
            raise EmailNotVerifiedError()

    def record_login(self, at: datetime) -> None:
        self.last_login_at = at
        self.failed_login_count = 0
        self.failed_mfa_count = 0
        self.updated_at = at

    def record_password_accepted(self, at: datetime) -> None:
        """The first step passed; the sign-in itself completes only after the second."""
        if self.failed_login_count:
            self.failed_login_count = 0
            self.updated_at = at

    def record_failed_second_step(self, at: datetime) -> None:
        """A wrong second-factor code. Past the cap the account is locked until a password
        reset (which proves the mailbox) clears it, as for passwords (SECURITY RL-03)."""
        self.failed_mfa_count += 1
        self.updated_at = at

    def record_failed_login(self, at: datetime) -> None:
        self.failed_login_count += 1
        self.updated_at = at

    def verify_email(self, at: datetime) -> EventDraft:
        self.email_verified = True
        self.email_verified_at = at
        self.updated_at = at
        return EventDraft(type=EventType.EMAIL_VERIFIED, user_id=self.id, at=at)

    def verify_phone(self, at: datetime) -> EventDraft:
        self.phone_verified = True
        self.phone_verified_at = at
        self.updated_at = at
        return EventDraft(type=EventType.PHONE_VERIFIED, user_id=self.id, at=at)

    def rehash_password(self, password: PasswordHash, at: datetime) -> None:
        """The same password under the current cost: nothing else changes."""
        self.password = password
        self.updated_at = at

    def set_password(self, password: PasswordHash, at: datetime) -> None:
        """A change or a reset: also clears the failure locks, as recovery must."""
        self.password = password
        self.failed_login_count = 0
        self.failed_mfa_count = 0
        self.updated_at = at

    def replace_pending_registration(
        self, password: PasswordHash, first_name: PersonName, last_name: PersonName, at: datetime
    ) -> None:
        """Re-registering an unverified email takes over its pending password and names."""
        self.password = password
        self.first_name = first_name
        self.last_name = last_name
        self.updated_at = at

    def disable(self, by: UserId, at: datetime) -> EventDraft | None:
        """An administrator turns the account off; None if it already was. Nobody may
        disable themselves, so an administrator cannot lock the last way in by accident.
        The caller ends every session of the account in the same transaction."""
        if by == self.id:
            raise CannotDisableSelfError()
        if self.status is UserStatus.DISABLED:
            return None
        self.status = UserStatus.DISABLED
        self.updated_at = at
        return EventDraft(
            type=EventType.ACCOUNT_DISABLED,
            user_id=self.id,
            at=at,
            metadata={"admin_id": str(by)},
        )

    def enable(self, by: UserId, at: datetime) -> EventDraft | None:
        """Undo ``disable``; None if the account was not disabled."""
        if self.status is UserStatus.ACTIVE:
            return None
        self.status = UserStatus.ACTIVE
        self.updated_at = at
        return EventDraft(
            type=EventType.ACCOUNT_ENABLED, user_id=self.id, at=at, metadata={"admin_id": str(by)}
        )

    def update_profile(self, changes: ProfileChanges, at: datetime) -> EventDraft | None:
        changed = changes.apply_to(self)
        if not changed:
            return None
        self.updated_at = at
        return EventDraft(
            type=EventType.PROFILE_UPDATED,
            user_id=self.id,
            at=at,
            metadata={"fields": ",".join(sorted(changed))},
        )


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """Fields a user may change about themselves; ``None`` leaves a field as it is."""

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    display_name: PersonName | None = None
    clear_display_name: bool = False
    phone: PhoneNumber | None = None
    clear_phone: bool = False

    def apply_to(self, user: User) -> set[str]:
        changed: set[str] = set()
        if self.first_name is not None and self.first_name != user.first_name:
            user.first_name = self.first_name
            changed.add("first_name")
        if self.last_name is not None and self.last_name != user.last_name:
            user.last_name = self.last_name
            changed.add("last_name")
        display = None if self.clear_display_name else self.display_name or user.display_name
        if display != user.display_name:
            user.display_name = display
            changed.add("display_name")
        phone = None if self.clear_phone else self.phone or user.phone
        if phone != user.phone:
            user.phone = phone
            user.phone_verified = False
            user.phone_verified_at = None
            changed.add("phone")
        return changed


@dataclass(frozen=True, slots=True, kw_only=True)
class UserProfile:
    """The account as its owner sees it (``GET /me``): never a secret or a counter."""

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
