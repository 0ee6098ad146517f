"""The whole security log newest first: ``GET /admin/events`` without a user or type filter.

The per-user and per-type indexes from 0001 serve the filtered listings; this one lets the
unfiltered one read the newest rows from an index too, instead of sorting the table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-05-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_account_events_time"),
        "account_events",
        [sa.text("occurred_at DESC"), sa.text("id DESC")],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_account_events_time"), table_name="account_events")
