"""Identity core: users, device sessions, refresh tokens, account events, revocation outbox.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("CURRENT_TIMESTAMP")
FALSE = sa.text("false")


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _at(name: str, *, nullable: bool = True, now: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=NOW if now else None)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=FALSE),
        _at("email_verified_at"),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("phone_verified", sa.Boolean(), nullable=False, server_default=FALSE),
        _at("phone_verified_at"),
        sa.Column("first_name", sa.String(50), nullable=False),
        sa.Column("last_name", sa.String(50), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=True),
        sa.Column("avatar_url", sa.Text(), nullable=True),
        sa.Column("avatar_key", sa.String(255), nullable=True),
        sa.Column("avatar_size", sa.Integer(), nullable=True),
        sa.Column("avatar_mime_type", sa.String(50), nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("role", sa.String(20), nullable=False, server_default="user"),
        sa.Column("totp_enabled", sa.Boolean(), nullable=True, server_default=FALSE),
        sa.Column("totp_secret", sa.String(255), nullable=True),
        sa.Column("metadata", _json(), nullable=True),
        _at("created_at", nullable=False, now=True),
        _at("updated_at", nullable=False, now=True),
        _at("last_login_at"),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("password_scheme", sa.String(32), nullable=True),
        sa.Column("failed_login_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("uq_users_email_lower"), "users", [sa.text("lower(email)")], unique=True)
    op.create_index(op.f("ix_users_status"), "users", ["status"])
    op.create_index(op.f("ix_users_created_at"), "users", ["created_at"])

    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("ip_hash", sa.String(64), nullable=False),
        sa.Column("ip_prefix", sa.String(64), nullable=True),
        sa.Column("browser", sa.String(100), nullable=True),
        sa.Column("os", sa.String(100), nullable=True),
        sa.Column("device", sa.String(100), nullable=True),
        sa.Column("location_country", sa.String(100), nullable=True),
        sa.Column("location_city", sa.String(100), nullable=True),
        sa.Column("location_timezone", sa.String(100), nullable=True),
        sa.Column("trust_score", sa.SmallInteger(), nullable=False, server_default=sa.text("0")),
        sa.Column("verification_status", sa.String(20), nullable=False, server_default="unverified"),
        sa.Column("auth_methods", _json(), nullable=False),
        _at("created_at", nullable=False, now=True),
        _at("expires_at", nullable=False),
        _at("last_activity_at", nullable=False, now=True),
        _at("revoked_at"),
        sa.Column("revoked_reason", sa.String(255), nullable=True),
        sa.Column("metadata", _json(), nullable=True),
        sa.CheckConstraint("trust_score BETWEEN 0 AND 100", name=op.f("ck_sessions_trust_score_range")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])
    op.create_index(op.f("ix_sessions_status"), "sessions", ["status"])
    op.create_index(op.f("ix_sessions_expires_at"), "sessions", ["expires_at"])
    op.create_index(op.f("ix_sessions_user_id_created_at"), "sessions", ["user_id", "created_at"])

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        _at("created_at", nullable=False),
        _at("expires_at", nullable=False),
        _at("rotated_at"),
        _at("revoked_at"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"],
            name=op.f("fk_refresh_tokens_session_id_sessions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["refresh_tokens.id"],
            name=op.f("fk_refresh_tokens_parent_id_refresh_tokens"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_session_id"), "refresh_tokens", ["session_id"])
    # Deleting a user or session cascades through these foreign keys: index them.
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"])
    op.create_index(op.f("ix_refresh_tokens_parent_id"), "refresh_tokens", ["parent_id"])

    op.create_table(
        "account_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("metadata", _json(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        _at("occurred_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_account_events_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"],
            name=op.f("fk_account_events_session_id_sessions"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    # Keyset pagination: (occurred_at, id) descending within a user or an event type.
    op.create_index(
        op.f("ix_account_events_user_time"),
        "account_events",
        ["user_id", sa.text("occurred_at DESC"), sa.text("id DESC")],
    )
    op.create_index(
        op.f("ix_account_events_type_time"),
        "account_events",
        ["type", sa.text("occurred_at DESC"), sa.text("id DESC")],
    )
    op.create_index(op.f("ix_account_events_session_id"), "account_events", ["session_id"])

    op.create_table(
        "session_revocation_outbox",
        sa.Column("session_id", sa.Uuid(), nullable=False),
        _at("created_at", nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_revocation_outbox")),
    )


def downgrade() -> None:
    op.drop_table("session_revocation_outbox")
    op.drop_table("account_events")
    op.drop_table("refresh_tokens")
    op.drop_table("sessions")
    op.drop_table("users")
