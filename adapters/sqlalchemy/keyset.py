"""Keyset pagination, newest first: ``ORDER BY time DESC, id DESC`` and a row comparison
``(time, id) < (:time, :id)`` that PostgreSQL answers from a composite index on the same
columns in the same order, however deep the page (no OFFSET, no sort)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from application.ports.persistence import Keyset


def newest_first(
    query: Select[Any],
    at: InstrumentedAttribute[datetime],
    key: InstrumentedAttribute[UUID],
    after: Keyset | None,
    limit: int,
) -> Select[Any]:
    if after is not None:
        # Bound with the columns' own types, so SQLite compares the stored UTC text form.
        position = tuple_(literal(after.at, at.type), literal(after.id, key.type))
        query = query.where(tuple_(at, key) < position)
    return query.order_by(at.desc(), key.desc()).limit(limit)
