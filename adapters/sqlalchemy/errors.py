"""Database failures the client should retry later become ``UnavailableError`` (503)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, IntegrityError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from domain.errors import UnavailableError

logger = logging.getLogger("bastion.database")

# SQLSTATEs of a refusal by the database itself, whatever the request sent: PL/pgSQL
# errors (class P0: ``RAISE`` in a trigger or function, psycopg's ``RaiseException``,
# a ``ProgrammingError``) and a missing privilege (a role made read-only, a revoked grant).
_REFUSALS = ("P0", "42501")


def as_unavailable(exc: BaseException) -> UnavailableError | None:
    """The request failed, the data did not: lost or refused connections, statement and
    lock timeouts, deadlocks, a full disk, an exhausted pool, SQLite's "database is
    locked" (``OperationalError``); a read-only standby, a broken transaction or an
    internal error of the server (``InternalError``); a trigger that raised or a missing
    privilege (by SQLSTATE). Constraint violations (``IntegrityError``) stay for the
    repositories to map, and other programming or data errors stay bugs (500)."""
    if isinstance(exc, OperationalError | PoolTimeoutError):
        return UnavailableError()
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return UnavailableError()
    sqlstate = _sqlstate(exc)
    if isinstance(exc, InternalError) or sqlstate.startswith(_REFUSALS):
        logger.error(
            "database refused the statement: %s (SQLSTATE %s)",
            type(exc.orig).__name__,
            sqlstate or "unknown",
        )
        return UnavailableError()
    return None


def violates(exc: IntegrityError, constraint_fragment: str) -> bool:
    """Whether the violated constraint (PostgreSQL) or column (SQLite) mentions the
    fragment: enough to tell "email taken" from a duplicate primary key."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None) or str(exc.orig)
    return constraint_fragment in name


def _sqlstate(exc: DBAPIError) -> str:
    """psycopg's ``sqlstate``; SQLite has none."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else ""
