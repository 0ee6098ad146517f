"""Typed ORM rows: the tables as they are, mapped to the domain by ``mapping.py``.

The schema itself comes only from Alembic (``migrations/``); these declarations must
match it, which a contract test checks against the migrated database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """``timestamptz`` that reads back timezone-aware UTC on every backend.

    SQLite keeps no offset, so values are converted to UTC before they are written (also
    when compared in a WHERE clause) and marked UTC when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Json = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: Json}  # noqa: RUF012


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_status", "status"),
        Index("ix_users_created_at", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    email_verified_at: Mapped[datetime | None]
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_verified: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    phone_verified_at: Mapped[datetime | None]
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))
    display_name: Mapped[str | None] = mapped_column(String(100))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    avatar_key: Mapped[str | None] = mapped_column(String(255))
    avatar_size: Mapped[int | None]
    avatar_mime_type: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    role: Mapped[str] = mapped_column(String(20), server_default="user")
    totp_enabled: Mapped[bool | None] = mapped_column(default=False, server_default=text("false"))
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata")
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    last_login_at: Mapped[datetime | None]
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_scheme: Mapped[str | None] = mapped_column(String(32))
    failed_login_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    failed_mfa_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))


Index("uq_users_email_lower", func.lower(UserRow.email), unique=True)


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("trust_score BETWEEN 0 AND 100", name="trust_score_range"),
        Index("ix_sessions_user_id", "user_id"),
        Index("ix_sessions_status", "status"),
        Index("ix_sessions_expires_at", "expires_at"),
        Index("ix_sessions_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    user_agent: Mapped[str] = mapped_column(Text)
    ip_hash: Mapped[str] = mapped_column(String(64))
    ip_prefix: Mapped[str | None] = mapped_column(String(64))
    browser: Mapped[str | None] = mapped_column(String(100))
    os: Mapped[str | None] = mapped_column(String(100))
    device: Mapped[str | None] = mapped_column(String(100))
    location_country: Mapped[str | None] = mapped_column(String(100))
    location_city: Mapped[str | None] = mapped_column(String(100))
    location_timezone: Mapped[str | None] = mapped_column(String(100))
    trust_score: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"))
    verification_status: Mapped[str] = mapped_column(String(20), server_default="unverified")
    auth_methods: Mapped[list[str]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    expires_at: Mapped[datetime]
    last_activity_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(255))
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata")


class RefreshTokenRow(Base):
    __tablename__ = "refresh_tokens"
    __table_args__ = (
        Index("ix_refresh_tokens_session_id", "session_id"),
        Index("ix_refresh_tokens_user_id", "user_id"),
        Index("ix_refresh_tokens_parent_id", "parent_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    session_id: Mapped[UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("refresh_tokens.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class EventRow(Base):
    __tablename__ = "account_events"
    __table_args__ = (
        Index("ix_account_events_user_time", "user_id", text("occurred_at DESC"), text("id DESC")),
        Index("ix_account_events_type_time", "type", text("occurred_at DESC"), text("id DESC")),
        # The unfiltered feed's alone (migration 0008); SQLite builds it on occurred_at.
        Index("ix_account_events_time", text("timezone('UTC', occurred_at) DESC"), text("id DESC")),
        Index(
            "ix_account_events_user_type_time",
            "user_id",
            "type",
            text("occurred_at DESC"),
            text("id DESC"),
        ),
        Index("ix_account_events_session_id", "session_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata")
    session_id: Mapped[UUID | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime]


class RevocationRow(Base):
    __tablename__ = "session_revocation_outbox"

    session_id: Mapped[UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]


class FactorRow(Base):
    """``secret`` holds the sealed TOTP secret only, never the plain one."""

    __tablename__ = "mfa_factors"
    __table_args__ = (
        CheckConstraint("kind IN ('totp', 'sms')", name="kind_known"),
        UniqueConstraint("user_id", "kind"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    secret: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    last_step: Mapped[int | None] = mapped_column(BigInteger)
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class BackupCodeRow(Base):
    __tablename__ = "backup_codes"
    __table_args__ = (
        UniqueConstraint("user_id", "code_hash"),
        Index("ix_backup_codes_user_id", "user_id"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TaskRow(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_user_time", "user_id", text("created_at DESC"), text("id DESC")),
        Index(
            "ix_tasks_user_completed_time",
            "user_id",
            "completed",
            text("created_at DESC"),
            text("id DESC"),
        ),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    completed: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DeletedTaskRow(Base):
    """``id`` is the task's own id; ``data`` the task as JSON, what a restore puts back."""

    __tablename__ = "deleted_tasks"
    __table_args__ = (
        Index("ix_deleted_tasks_user_time", "user_id", text("deleted_at DESC"), text("id DESC")),
        Index("ix_deleted_tasks_restorable_until", "restorable_until"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]]
    deleted_by: Mapped[UUID]
    deleted_at: Mapped[datetime]
    restorable_until: Mapped[datetime]


class ExportRow(Base):
    """An export request; the ZIP itself lives in the file store under ``file_key``."""

    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'processing', 'complete', 'failed', 'expired')",
            name="status_known",
        ),
        # One active export per user, race-free (SECURITY GD-01).
        Index(
            "ux_exports_user_active",
            "user_id",
            unique=True,
            postgresql_where=text("status IN ('pending', 'processing')"),
            sqlite_where=text("status IN ('pending', 'processing')"),
        ),
        Index("ix_exports_user_time", "user_id", text("created_at DESC"), text("id DESC")),
        Index("ix_exports_status_updated", "status", "updated_at"),
        Index("ix_exports_status_expires", "status", "expires_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=text("0"))
    file_key: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    failure_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class PasskeyRow(Base):
    """The seed's ``passkey_credentials``: ``id`` is the credential id (unpadded base64url,
    up to 1023 bytes), ``public_key`` the COSE key in base64url; ``counter`` is a BIGINT
    because WebAuthn's counter is an unsigned 32-bit number."""

    __tablename__ = "passkey_credentials"
    __table_args__ = (
        CheckConstraint(
            "device_type IN ('single_device', 'multi_device')", name="device_type_known"
        ),
        Index("ix_passkey_credentials_user_id", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(1366), primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(Text)
    counter: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    device_type: Mapped[str] = mapped_column(String(50))
    backed_up: Mapped[bool | None] = mapped_column(Boolean, server_default=text("false"))
    transports: Mapped[list[str] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    last_used_at: Mapped[datetime | None]


class PasskeyUserHandleRow(Base):
    """Each user's WebAuthn user handle: 64 random bytes, made at the first registration."""

    __tablename__ = "passkey_user_handles"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    handle: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    created_at: Mapped[datetime]


class ProviderLinkRow(Base):
    """The seed's ``auth_providers``: ``type`` is the provider, ``provider_id`` the subject,
    ``metadata`` holds the granted scope. Added: ``access_token`` (the provider's access
    token sealed by the secret box; refresh tokens are never stored), ``status`` and
    ``last_sync_at``. One identity per provider per user."""

    __tablename__ = "auth_providers"
    __table_args__ = (
        CheckConstraint("type IN ('google', 'github', 'apple')", name="type_known"),
        CheckConstraint("status IN ('connected', 'token_missing')", name="status_known"),
        UniqueConstraint("type", "provider_id"),
        UniqueConstraint("user_id", "type"),
        Index("ix_auth_providers_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata")
    access_token: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), server_default="connected")
    last_sync_at: Mapped[datetime | None]
