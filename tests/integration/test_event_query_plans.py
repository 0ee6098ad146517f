"""The security log stays fast at depth whoever reads it: on a skewed PostgreSQL table,
the statements the event repository really sends read their own listing's index in order
and stop at the limit, on the first, a middle and the last page alike.

The table is the shape that once broke it: one user holds a large share, other users' rows
are older than the user's first event and interleaved with the user's history. The planner
takes a user's rows to be spread evenly over time, so when any other index could serve a
listing in time order it looked cheaper than the user's own, and the last page read every
older row of everyone else. Buffers (shared hit + read) are asserted, never time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, Engine, TextClause, event, text

from adapters.sqlalchemy.engine import build_session_factory
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from application.exports.contents import BATCH
from application.ports.persistence import Keyset
from domain.events import AccountEvent, EventType
from domain.ids import UserId
from tests.contracts.persistence_backends import CountingIds

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]  # seeding: 25-40 s on 2 busy cores

OTHERS = 3_000
OLDER = 2_000_000  # other users' rows, all older than the heavy user's first event
LATER = 1_600_000  # the heavy user's time: every fourth row theirs, the rest other users'
PAGE = 21  # what a use case asks for: limit + 1
HEAVY = UserId(UUID(int=1))
RECENT_TYPE = EventType.SESSION_CREATED  # only among the later rows
SEED = """
INSERT INTO users (id, email, first_name, last_name)
SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(u), 12, '0'))::uuid,
       'user' || u || '@example.com', 'Ada', 'Lovelace'
FROM generate_series(1, 1 + :others) AS u;

INSERT INTO account_events (id, user_id, type, metadata, occurred_at)
SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
       ('00000000-0000-0000-0000-' || lpad(to_hex(
           CASE WHEN g > :older AND g % 4 = 0 THEN 1 ELSE 2 + g % :others END), 12, '0'))::uuid,
       CASE WHEN g > :older
            THEN (ARRAY['login.succeeded', 'session.created', 'login.failed'])[1 + g % 3]
            ELSE (ARRAY['login.succeeded', 'password.changed', 'login.failed'])[1 + g % 3]
       END,
       '{}'::jsonb,
       timestamptz '2024-01-01 00:00:00Z' + (g / 2) * interval '20 second'
FROM generate_series(1, :older + :later) AS g
"""
"""Rows numbered in time order, two to a time (the tie broken by the id, which grows with
the number). User 1 is the heavy one: a quarter of the later rows, 400 000 of 3.6 M."""
BULK_LOADED = """
SELECT 'index', indexname, indexdef FROM pg_indexes
WHERE tablename = 'account_events' AND indexname NOT IN (SELECT conname FROM pg_constraint)
UNION ALL
SELECT 'constraint', conname,
       format('ALTER TABLE account_events ADD CONSTRAINT %I %s', conname,
              pg_get_constraintdef(oid))
FROM pg_constraint WHERE conrelid = 'account_events'::regclass AND contype = 'f'
"""


@pytest.fixture(scope="module")
def skewed(migrated_postgres: Engine) -> Iterator[Engine]:
    """Loaded as ``pg_restore`` loads: the secondary indexes and foreign keys dropped, the
    rows inserted, then both made again from their own definitions, in one transaction
    (less than half the time of inserting under them: 25-40 s here, not 90)."""
    with migrated_postgres.begin() as connection:
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        connection.execute(text("TRUNCATE users, account_events CASCADE"))
        rebuild = connection.execute(text(BULK_LOADED)).all()
        for kind, name, _ in rebuild:
            if kind == "index":
                connection.execute(text(f'DROP INDEX "{name}"'))
            else:
                connection.execute(text(f'ALTER TABLE account_events DROP CONSTRAINT "{name}"'))
        params = {"others": OTHERS, "older": OLDER, "later": LATER}
        for statement in SEED.split(";"):
            connection.execute(text(statement), params)
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for _, _, definition in rebuild:
            connection.execute(text(definition))
        connection.execute(text("ANALYZE users"))
        connection.execute(text("ANALYZE account_events"))
    yield migrated_postgres
    with migrated_postgres.begin() as connection:
        connection.execute(text("TRUNCATE users, account_events CASCADE"))


@dataclass(frozen=True)
class Listing:
    """One listing the repository serves, the index that must serve it, and how the
    test finds a position in it."""

    name: str
    index: str
    user_id: UserId | None = None
    event_type: EventType | None = None
    where: str = "TRUE"
    time: str = "occurred_at"
    params: dict[str, Any] = field(default_factory=dict)

    def oldest_first(self, offset: int, limit: int) -> TextClause:
        return text(
            f"SELECT occurred_at, id FROM account_events WHERE {self.where}"  # noqa: S608
            f" ORDER BY {self.time}, id OFFSET {offset} LIMIT {limit}"
        )

    def read(self, uow: SqlUnitOfWork, after: Keyset | None, limit: int) -> list[AccountEvent]:
        return uow.events.page(
            user_id=self.user_id, event_type=self.event_type, after=after, limit=limit
        )


HEAVY_USERS = Listing(
    "a heavy user's log",
    "ix_account_events_user_time",
    user_id=HEAVY,
    where="user_id = :user",
    params={"user": HEAVY},
)
HEAVY_USERS_OF_A_TYPE = Listing(
    "a heavy user's log of one type",
    "ix_account_events_user_type_time",
    user_id=HEAVY,
    event_type=EventType.LOGIN_FAILED,
    where="user_id = :user AND type = :type",
    params={"user": HEAVY, "type": EventType.LOGIN_FAILED.value},
)
RECENT_TYPES = Listing(
    "a type found only in the later rows",
    "ix_account_events_type_time",
    event_type=RECENT_TYPE,
    where="type = :type",
    params={"type": RECENT_TYPE.value},
)
WHOLE_LOG = Listing(
    "the whole log",
    "ix_account_events_time",
    time="timezone('UTC', occurred_at)",  # what its index is built on (migration 0008)
)
LISTINGS = [HEAVY_USERS, HEAVY_USERS_OF_A_TYPE, RECENT_TYPES, WHOLE_LOG]
PAGES = ["first", "middle", "last"]


def _position(engine: Engine, listing: Listing, page: str, limit: int) -> Keyset | None:
    """The cursor a reader holds before ``page``: none for the first, the middle row, or
    the row after which ``limit - 1`` remain (so the scan runs to the end of its range)."""
    if page == "first":
        return None
    count = text(f"SELECT count(*) FROM account_events WHERE {listing.where}")  # noqa: S608
    with engine.connect() as connection:
        rows = connection.execute(count, listing.params).scalar_one()
        offset = rows // 2 if page == "middle" else limit - 1
        at, key = connection.execute(listing.oldest_first(offset, 1), listing.params).one()
    return Keyset(at=at, id=key)


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


def _run(engine: Engine, statement: str, params: Any) -> dict[str, Any]:
    """The statement's plan as it ran (``EXPLAIN (ANALYZE, BUFFERS)``)."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", params
        )
        plan: dict[str, Any] = rows.scalar_one()[0]["Plan"]
    return plan


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _buffers(plan: dict[str, Any]) -> int:
    return int(plan["Shared Hit Blocks"] + plan["Shared Read Blocks"])


def _most_buffers(limit: int) -> int:
    """A range read in order: at worst one heap page per row it returns, plus the index's
    levels and the leaves the rows sit on. A last page served from the whole log's index
    read 36 000 here; one from the user's own, 7."""
    return limit + 10


def _assert_one_range(plan: dict[str, Any], index: str, limit: int, after: Keyset | None) -> None:
    nodes = list(_nodes(plan))
    scans = [n for n in nodes if n.get("Relation Name") == "account_events"]
    assert [(n["Node Type"], n.get("Index Name")) for n in scans] == [("Index Scan", index)], plan
    assert not [n for n in nodes if "Sort" in n["Node Type"]], plan
    assert "Filter" not in scans[0], plan
    if after is not None:
        assert "occurred_at" in scans[0]["Index Cond"], "the cursor must bound the index range"
    assert _buffers(plan) <= _most_buffers(limit), plan


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.name)
def test_every_page_reads_only_its_listings_own_index_range(
    skewed: Engine, listing: Listing, page: str
) -> None:
    after = _position(skewed, listing, page, PAGE)
    sent = _sent(skewed, lambda uow: listing.read(uow, after, PAGE))

    _assert_one_range(_run(skewed, *sent), listing.index, PAGE, after)


@pytest.mark.parametrize("page", PAGES)
def test_every_export_batch_reads_only_the_users_own_index_range(skewed: Engine, page: str) -> None:
    # The export reads a user's log in batches through the same statement.
    after = _position(skewed, HEAVY_USERS, page, BATCH)
    sent = _sent(skewed, lambda uow: HEAVY_USERS.read(uow, after, BATCH))

    plan = _run(skewed, *sent)
    _assert_one_range(plan, HEAVY_USERS.index, BATCH, after)
    assert plan["Actual Rows"] == (BATCH if page != "last" else BATCH - 1)


@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.name)
def test_the_last_page_holds_the_oldest_rows_newest_first(skewed: Engine, listing: Listing) -> None:
    after = _position(skewed, listing, "last", PAGE)
    with _uow(skewed) as uow:
        page = listing.read(uow, after, PAGE)
    with skewed.connect() as connection:
        oldest = connection.execute(listing.oldest_first(0, PAGE - 1), listing.params).all()

    assert [(e.occurred_at, e.id) for e in page] == [tuple(row) for row in reversed(oldest)]
