"""Social sign-in: the seed's ``auth_providers`` plus the sealed access token, the
connection status and the last sync.

``(type, provider_id)`` is unique: an identity at a provider belongs to one account
(SECURITY OA-05); ``(user_id, type)`` too: one identity per provider per account.
``access_token`` is the provider's access token sealed by the secret box
(``BASTION_ENCRYPTION_KEYS``); the provider's refresh token is never stored. Rows go with
their user (ON DELETE CASCADE). The seed's index on ``(type, provider_id)`` is the unique
constraint's own.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def _at(name: str, *, nullable: bool = True, now: bool = False) -> sa.Column[object]:
    default = sa.func.current_timestamp() if now else None
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=default)


def upgrade() -> None:
    op.create_table(
        "auth_providers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("provider_id", sa.String(255), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        _at("linked_at", nullable=False, now=True),
        sa.Column("metadata", _JSON, nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), server_default="connected", nullable=False),
        _at("last_sync_at"),
        sa.CheckConstraint(
            "type IN ('google', 'github', 'apple')", name=op.f("ck_auth_providers_type_known")
        ),
        sa.CheckConstraint(
            "status IN ('connected', 'token_missing')",
            name=op.f("ck_auth_providers_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_providers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_providers")),
        sa.UniqueConstraint("type", "provider_id", name=op.f("uq_auth_providers_type_provider_id")),
        sa.UniqueConstraint("user_id", "type", name=op.f("uq_auth_providers_user_id_type")),
    )
    op.create_index(op.f("ix_auth_providers_user_id"), "auth_providers", ["user_id"])


def downgrade() -> None:
    op.drop_table("auth_providers")
