"""Keyset pagination, newest first: ``ORDER BY time DESC, id DESC`` and a row comparison
``(time, id) < (:time, :id)`` that PostgreSQL answers from a composite index on the same
columns in the same order, however deep the page (no OFFSET, no sort)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from application.ports.persistence import Keyset

SortTime = Callable[[ColumnElement[datetime]], ColumnElement[Any]]


def as_stored(at: ColumnElement[datetime]) -> ColumnElement[Any]:
    return at


def newest_first(
    query: Select[Any],
    at: InstrumentedAttribute[datetime],
    key: InstrumentedAttribute[UUID],
    after: Keyset | None,
    limit: int,
    sort_time: SortTime = as_stored,
) -> Select[Any]:
    """``sort_time`` is what the statement orders and compares on in place of ``at``: an
    expression that orders as ``at`` does, to reach an index built on that expression."""
    time = sort_time(at.expression)
    if after is not None:
        # Bound with the columns' own types, so SQLite compares the stored UTC text form.
        position = tuple_(sort_time(literal(after.at, at.type)), literal(after.id, key.type))
        query = query.where(tuple_(time, key) < position)
    return query.order_by(time.desc(), key.desc()).limit(limit)
