"""One user's events of one type newest first (``/me/events?type=``,
``/admin/events?user_id=&type=``): without this index PostgreSQL walks every event of the
type across all users and filters by user — and the largest types are the ones an
attacker can grow (``login.failed``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_account_events_user_type_time"),
        "account_events",
        ["user_id", "type", sa.text("occurred_at DESC"), sa.text("id DESC")],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_account_events_user_type_time"), table_name="account_events")
