"""Engines that fail fast instead of hanging, and SQLite that does not lose writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 5000
LOCK_TIMEOUT_MS = 3000
POOL_TIMEOUT_SECONDS = 5
READ_ONLY = "bastion_read_only"


def build_engine(url: str, *, pool_size: int = 5, lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> Engine:
    """An engine for ``postgresql[+psycopg]://`` or ``sqlite://`` URLs.

    ``lock_timeout_ms`` bounds every wait for a lock: PostgreSQL's ``lock_timeout``,
    SQLite's busy timeout. A wait that runs out raises, and the unit of work turns it
    into ``UnavailableError`` (503), so no request hangs on a stuck transaction.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, pool_size, lock_timeout_ms)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={lock_timeout_ms}"
    return create_engine(
        parsed,
        hide_parameters=True,  # an error's log line must not carry emails, digests or codes
        pool_pre_ping=True,
        pool_size=pool_size,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": options},
    )


def build_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions keep their objects readable after commit; repositories copy them anyway.

    ``read_only`` sessions are for reads of one statement (a page of a list). On
    PostgreSQL they run in autocommit: no ``BEGIN`` and no ``ROLLBACK`` round trip. On
    SQLite they open a deferred ``BEGIN`` (a WAL snapshot) instead of ``BEGIN
    IMMEDIATE``, so readers never wait for the write lock; the connection keeps the
    transaction handling ``_configure`` gave it."""
    if read_only and engine.dialect.name == "sqlite":
        engine = engine.execution_options(**{READ_ONLY: True})
    elif read_only:
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_engine(url: URL, pool_size: int, busy_timeout_ms: int) -> Engine:
    """WAL, foreign keys on, and every transaction opened with ``BEGIN IMMEDIATE``.

    sqlite3's own transaction handling starts a deferred transaction, which takes the
    write lock only at the first write: two read-then-write transactions then both read
    the old row and one of them fails or silently overwrites the other. Taking the write
    lock at BEGIN serialises writers (SQLAlchemy's documented recipe for the driver).
    """
    _create_parent_directory(url)
    pooling: dict[str, Any] = (
        {} if _in_memory(url) else {"pool_size": pool_size, "pool_timeout": POOL_TIMEOUT_SECONDS}
    )
    engine = create_engine(url, hide_parameters=True, **pooling)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # sqlite3 emits no BEGIN; we do
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def _in_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _create_parent_directory(url: URL) -> None:
    if not _in_memory(url) and url.database and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
