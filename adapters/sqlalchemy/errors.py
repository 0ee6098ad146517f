"""Database failures the client should retry later become ``UnavailableError`` (503)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from domain.errors import UnavailableError


def as_unavailable(exc: BaseException) -> UnavailableError | None:
    """Lost or refused connections, statement and lock timeouts, an exhausted pool,
    SQLite's "database is locked": the request failed, the data did not."""
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return UnavailableError()
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return UnavailableError()
    return None


def violates(exc: IntegrityError, constraint_fragment: str) -> bool:
    """Whether the violated constraint (PostgreSQL) or column (SQLite) mentions the
    fragment: enough to tell "email taken" from a duplicate primary key."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or str(exc.orig)
    return constraint_fragment in name
