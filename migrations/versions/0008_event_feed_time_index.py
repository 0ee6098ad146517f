"""The whole log's time index serves ``GET /admin/events`` without filters, and nothing else.

On ``(occurred_at DESC, id DESC)`` it also offered every filtered listing an ordered path:
read the whole log newest first and drop the rows of other users or types. PostgreSQL
prices that path as if a user's rows were spread evenly over time, and with the heap in
time order it looks cheaper than the user's own index whenever the user is a large share
of the table. For such a user the last page then read every older row of everyone else
(2 000 019 rows removed by the filter, 36 000 buffers, 0.37 s on 3.6 M rows).

On PostgreSQL the index is now built on ``timezone('UTC', occurred_at)``, which orders as
``occurred_at`` does but appears only in the unfiltered statement, so no filtered statement
can be served from it. SQLite keeps the plain columns: it has no ``timezone()``, and its
planner prefers the index whose equality matches.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_account_events_time"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(op.f(INDEX), table_name="account_events")
    op.create_index(
        op.f(INDEX),
        "account_events",
        [sa.text("timezone('UTC', occurred_at) DESC"), sa.text("id DESC")],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(op.f(INDEX), table_name="account_events")
    op.create_index(
        op.f(INDEX), "account_events", [sa.text("occurred_at DESC"), sa.text("id DESC")]
    )
