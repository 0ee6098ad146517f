"""Data exports: one row per request; the ZIP lives in the file store, never here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status IN ('pending', 'processing')"


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False, server_default=sa.text("0")),
        sa.Column("file_key", sa.String(100), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("failure_reason", sa.String(32), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _at("completed_at", nullable=True),
        _at("expires_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'complete', 'failed', 'expired')",
            name=op.f("ck_exports_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_exports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    # One active export per user, race-free (SECURITY GD-01).
    op.create_index(
        "ux_exports_user_active",
        "exports",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )
    op.create_index(
        op.f("ix_exports_user_time"),
        "exports",
        ["user_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )
    # The reconciler reads stale active rows; the purge reads complete rows by expiry.
    op.create_index(op.f("ix_exports_status_updated"), "exports", ["status", "updated_at"])
    op.create_index(op.f("ix_exports_status_expires"), "exports", ["status", "expires_at"])


def downgrade() -> None:
    op.drop_table("exports")
