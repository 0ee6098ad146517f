"""Second factors: enabled TOTP/SMS factors and single-use backup codes.

The sealed TOTP secret lives in ``mfa_factors.secret``; ``users.totp_secret`` (from 0001)
stays in place but is always NULL and is no longer read or written. ``users.totp_enabled``
stays too, kept by the application as a mirror of "has a TOTP factor".

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "mfa_factors",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),  # sealed by the secret box, never plain
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        _at("last_used_at"),
        _at("created_at", nullable=False),
        sa.CheckConstraint("kind IN ('totp', 'sms')", name=op.f("ck_mfa_factors_kind_known")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mfa_factors_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mfa_factors")),
        # Also the index the cascade from users and every per-user lookup use.
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_mfa_factors_user_id_kind")),
    )

    op.create_table(
        "backup_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        _at("created_at", nullable=False),
        _at("used_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_backup_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_codes")),
        sa.UniqueConstraint("user_id", "code_hash", name=op.f("uq_backup_codes_user_id_code_hash")),
    )
    op.create_index(op.f("ix_backup_codes_user_id"), "backup_codes", ["user_id"])


def downgrade() -> None:
    op.drop_table("backup_codes")
    op.drop_table("mfa_factors")
