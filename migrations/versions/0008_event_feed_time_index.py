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
BUILDING = "ix_account_events_time_new"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace([sa.text("timezone('UTC', occurred_at) DESC"), sa.text("id DESC")])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace([sa.text("occurred_at DESC"), sa.text("id DESC")])


def _replace(columns: list[sa.TextClause]) -> None:
    """Build the new index first and drop the old one after: the build blocks writes to
    the log, as any plain CREATE INDEX does, but reads go on with the old index until
    the drop, whose exclusive lock is then held only until the commit."""
    op.create_index(op.f(BUILDING), "account_events", columns)
    op.drop_index(op.f(INDEX), table_name="account_events")
    op.execute(sa.text(f"ALTER INDEX {BUILDING} RENAME TO {INDEX}"))
