"""One way to read a row, shared by the repositories."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

RowT = TypeVar("RowT")


def one_row(session: Session, query: Select[RowT], *, for_update: bool) -> RowT | None:
    """The single row the query selects, read fresh from the database even when the session
    already holds it: a locking re-read must not answer from the identity map."""
    if for_update:
        query = query.with_for_update()
    return session.scalars(query, execution_options={"populate_existing": True}).one_or_none()
