"""One way to read a row, shared by the repositories."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

RowT = TypeVar("RowT")
HELD = "bastion.rows_read"


def one_row(session: Session, query: Select[RowT], *, for_update: bool) -> RowT | None:
    """The single row the query selects, read fresh from the database even when the session
    already holds it: a locking re-read must not answer from the identity map.

    The row is held for the session's life. The identity map keeps an unchanged row only
    while something refers to it, and the repositories turn it into a domain object at
    once, so a later ``merge`` of the same row (a save) read it again first (a sign-in
    made two such reads). Held, the save compares with what this transaction read and
    writes only the columns it changed. Held by identity, so reading a row again does
    not hold it twice."""
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query, execution_options={"populate_existing": True}).one_or_none()
    if row is not None:
        session.info.setdefault(HELD, {})[id(row)] = row
    return row
