"""Opaque cursors for keyset-paginated lists.

A cursor is the base64url of ``[kind, time, id]`` of the last row a page showed. It is
opaque to clients, not secret: it holds a time and an id the page itself showed, never
personal data. ``kind`` names the listing, so a cursor from one list is refused by
another instead of paging it from a strange place. Anything that does not decode to
exactly that shape raises ``InvalidCursorError`` (422), never a server error.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import UUID

from application.ports.persistence import Keyset
from domain.errors import InvalidCursorError, ValidationFailedError

T = TypeVar("T")
R = TypeVar("R")
MAX_CURSOR_LENGTH = 200
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(kind: str, position: Keyset) -> str:
    raw = json.dumps([kind, position.at.astimezone(UTC).isoformat(), position.id.hex])
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode("ascii")


def decode_cursor(kind: str, cursor: str | None) -> Keyset | None:
    if cursor is None:
        return None
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursorError()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found, at, key = json.loads(raw.decode())
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise InvalidCursorError()
        # In UTC now, not in the database adapter: 0001-01-01 at +14:00 has no UTC time.
        position = Keyset(at=moment.astimezone(UTC), id=UUID(hex=key))
    except (ValueError, TypeError, AttributeError, OverflowError) as error:
        raise InvalidCursorError() from error
    if found != kind:
        raise InvalidCursorError()
    return position


def page_of(
    kind: str,
    rows: Sequence[R],
    limit: int,
    position: Callable[[R], Keyset],
    view: Callable[[R], T],
) -> Page[T]:
    """``rows`` were read with ``limit + 1``: one more row than shown means another page."""
    shown = list(rows[:limit])
    more = len(rows) > limit and bool(shown)
    return Page(
        items=[view(row) for row in shown],
        next_cursor=encode_cursor(kind, position(shown[-1])) if more else None,
    )


def check_limit(limit: int) -> int:
    """The HTTP schema bounds it already; every other caller is held to the same range."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailedError({"limit": [f"Between 1 and {MAX_LIMIT}."]})
    return limit
