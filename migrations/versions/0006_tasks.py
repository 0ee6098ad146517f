"""Tasks and their trash: ``tasks`` and ``deleted_tasks`` (a soft-deleted task under its
own id, as JSON, restorable until a time the purge then passes).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _owner(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        _at("due_at", nullable=True),
        _at("created_at"),
        _at("updated_at"),
        _owner("tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    # Keyset pages newest first, all of a user's tasks or only open/completed ones.
    op.create_index(
        op.f("ix_tasks_user_time"),
        "tasks",
        ["user_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )
    op.create_index(
        op.f("ix_tasks_user_completed_time"),
        "tasks",
        ["user_id", "completed", sa.text("created_at DESC"), sa.text("id DESC")],
    )

    op.create_table(
        "deleted_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.Column("deleted_by", sa.Uuid(), nullable=False),
        _at("deleted_at"),
        _at("restorable_until"),
        _owner("deleted_tasks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deleted_tasks")),
    )
    op.create_index(
        op.f("ix_deleted_tasks_user_time"),
        "deleted_tasks",
        ["user_id", sa.text("deleted_at DESC"), sa.text("id DESC")],
    )
    # The purge reads the oldest expired entries first.
    op.create_index(
        op.f("ix_deleted_tasks_restorable_until"), "deleted_tasks", ["restorable_until"]
    )


def downgrade() -> None:
    op.drop_table("deleted_tasks")
    op.drop_table("tasks")
