"""Alembic environment: one history for PostgreSQL and SQLite.

The URL is, in order: a connection passed in ``config.attributes["connection"]``, the
``sqlalchemy.url`` option set programmatically, ``BASTION_DATABASE_URL``, the embedded
default. Engines come from ``build_engine`` so SQLite gets the same pragmas as the app.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, text

from adapters.sqlalchemy.engine import build_engine
from adapters.sqlalchemy.rows import Base

DEFAULT_URL = "sqlite:///instance/bastion.db"
MIGRATION_LOCK_KEY = 0x6261_7374  # "bast": one migrator at a time on PostgreSQL

config = context.config
target_metadata = Base.metadata
if config.config_file_name is not None:  # the alembic CLI; programmatic runs keep their logging
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("BASTION_DATABASE_URL")
        or DEFAULT_URL
    )


def run_migrations_offline() -> None:
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection: Connection) -> None:
    """Every migration runs in one transaction on both backends (SQLite's DDL is
    transactional too once BEGIN is ours)."""
    sqlite = connection.dialect.name == "sqlite"
    with _sqlite_foreign_keys_off(connection):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            transactional_ddl=True,
            compare_type=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SET LOCAL statement_timeout = 0"))
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite's documented way to change a table: foreign keys off outside the
    transaction, so a batch "move and copy" does not cascade deletes through the
    referencing tables; checked before commit; back on afterwards."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = build_engine(database_url(), pool_size=1)
    try:
        with engine.connect() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
