"""The security log stays fast at depth: on a seeded PostgreSQL table, the queries the
event repository really sends read an index range in order and stop at the limit, on the
first page and deep behind a cursor alike (no Seq Scan, no Sort on ``account_events``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, Engine, event, text

from adapters.sqlalchemy.engine import build_session_factory
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from application.ports.persistence import Keyset
from domain.events import EventType
from domain.ids import UserId
from tests.contracts.persistence_backends import CountingIds

USERS = 20
EVENTS = 50_000
PAGE = 21  # what a use case asks for: limit + 1
SEED = text(
    """
    INSERT INTO users (id, email, first_name, last_name)
    SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(u), 12, '0'))::uuid,
           'user' || u || '@example.com', 'Ada', 'Lovelace'
    FROM generate_series(1, :users) AS u;

    INSERT INTO account_events (id, user_id, type, metadata, occurred_at)
    SELECT gen_random_uuid(),
           ('00000000-0000-0000-0000-' || lpad(to_hex(1 + g % :users), 12, '0'))::uuid,
           CASE WHEN g % 100 = 0 THEN 'token.reuse_detected'
                ELSE (ARRAY['login.succeeded', 'session.created', 'login.failed'])[1 + g % 3]
           END,
           '{}'::jsonb,
           timestamptz '2026-01-01 00:00:00Z' + (g / 2) * interval '1 second'
    FROM generate_series(1, :events) AS g;

    ANALYZE users;
    ANALYZE account_events;
    """
)
ONE_USER = UserId(UUID(int=7))


@pytest.fixture(scope="module")
def seeded(migrated_postgres: Engine) -> Iterator[Engine]:
    with migrated_postgres.begin() as connection:
        connection.execute(text("TRUNCATE users, account_events CASCADE"))
        for statement in SEED.text.split(";"):
            if statement.strip():
                connection.execute(text(statement), {"users": USERS, "events": EVENTS})
    yield migrated_postgres
    with migrated_postgres.begin() as connection:
        connection.execute(text("TRUNCATE users, account_events CASCADE"))


def _sent(engine: Engine, read: Callable[[SqlUnitOfWork], object]) -> tuple[str, Any]:
    """The SELECT the repository sent to PostgreSQL, with its parameters."""
    sent: list[tuple[str, Any]] = []

    def capture(_c: Connection, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM account_events" in statement:
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with _uow(engine) as uow:
            read(uow)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(sent) == 1
    return sent[0]


def _uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(build_session_factory(engine), CountingIds())


def _plan(engine: Engine, statement: str, params: Any) -> dict[str, Any]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", params)
        plan: dict[str, Any] = rows.scalar_one()[0]["Plan"]
    return plan


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _assert_index_range(plan: dict[str, Any], index: str) -> None:
    nodes = list(_nodes(plan))
    scans = [n for n in nodes if n.get("Relation Name") == "account_events"]
    assert [n["Node Type"] for n in scans] == ["Index Scan"], plan
    assert scans[0]["Index Name"] == index, plan
    assert not [n for n in nodes if "Sort" in n["Node Type"]], plan


def _deep_keyset(engine: Engine, user_id: UserId | None, depth: int) -> Keyset:
    """The position of the ``depth``-th newest row: a cursor deep in the history."""
    where = "WHERE user_id = :user" if user_id else ""
    query = text(
        f"SELECT occurred_at, id FROM account_events {where}"  # noqa: S608 -- fixed text
        " ORDER BY occurred_at DESC, id DESC OFFSET :depth LIMIT 1"
    )
    with engine.connect() as connection:
        at, key = connection.execute(query, {"user": user_id, "depth": depth}).one()
    return Keyset(at=at, id=key)


def test_one_users_first_page_reads_the_user_time_index_in_order(seeded: Engine) -> None:
    sent = _sent(seeded, lambda uow: uow.events.page(user_id=ONE_USER, limit=PAGE))

    _assert_index_range(_plan(seeded, *sent), "ix_account_events_user_time")


def test_one_users_deep_page_seeks_into_the_same_index(seeded: Engine) -> None:
    after = _deep_keyset(seeded, ONE_USER, depth=2_000)
    sent = _sent(seeded, lambda uow: uow.events.page(user_id=ONE_USER, after=after, limit=PAGE))

    plan = _plan(seeded, *sent)
    _assert_index_range(plan, "ix_account_events_user_time")
    scan = next(n for n in _nodes(plan) if n.get("Relation Name") == "account_events")
    assert "occurred_at" in scan["Index Cond"], "the cursor must bound the index range"
    assert "Filter" not in scan, plan


def test_one_users_deep_page_returns_the_rows_right_after_the_cursor(seeded: Engine) -> None:
    after = _deep_keyset(seeded, ONE_USER, depth=2_000)
    with _uow(seeded) as uow:
        page = uow.events.page(user_id=ONE_USER, after=after, limit=PAGE)
    expected = _deep_keyset(seeded, ONE_USER, depth=2_001)

    assert len(page) == PAGE
    assert (page[0].occurred_at, page[0].id) == (expected.at, expected.id)


def test_a_rare_types_deep_page_reads_the_type_time_index(seeded: Engine) -> None:
    # A common type is as well served by the time index (a few rows filtered per hit);
    # for a rare one only the type index avoids reading most of the table.
    after = _deep_keyset(seeded, None, depth=30_000)
    rare = EventType.TOKEN_REUSE_DETECTED
    sent = _sent(seeded, lambda uow: uow.events.page(event_type=rare, after=after, limit=PAGE))

    _assert_index_range(_plan(seeded, *sent), "ix_account_events_type_time")


def test_the_whole_logs_deep_page_reads_the_time_index(seeded: Engine) -> None:
    after = _deep_keyset(seeded, None, depth=40_000)
    sent = _sent(seeded, lambda uow: uow.events.page(after=after, limit=PAGE))

    _assert_index_range(_plan(seeded, *sent), "ix_account_events_time")


def test_one_users_events_of_one_type_read_the_user_type_index(seeded: Engine) -> None:
    common = EventType.LOGIN_FAILED
    sent = _sent(
        seeded, lambda uow: uow.events.page(user_id=ONE_USER, event_type=common, limit=PAGE)
    )

    plan = _plan(seeded, *sent)
    _assert_index_range(plan, "ix_account_events_user_type_time")
    scan = next(n for n in _nodes(plan) if n.get("Relation Name") == "account_events")
    assert "Filter" not in scan, plan
