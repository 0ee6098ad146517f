"""Seed data written straight into PostgreSQL, in set-based SQL.

One bcrypt hash is made with the project's own hasher (same pepper, cost and scheme as
the running API) and given to every seeded user, so a seeded user signs in through the
API like any other. Ids are UUIDv7 from each row's own time, as ``adapters/system/ids.py``
makes them, and rows go in in time order, as the service writes them.

Event rows follow the service's shapes: the types a real log is made of, in realistic
proportions, each with the metadata its type allows (``domain/events.py``), a session
link where the type has one, spread over the past year. Other users' events come before
the history user's (the year before) and among them (the same year), as in a log the
user joined late: a heavy user's last page then has every older row of the others behind
it in time, which is what once made the planner read them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import LiteralString, cast
from uuid import UUID

import psycopg
from psycopg import sql

from adapters.security.passwords import BcryptPasswordHasher
from application.common.paging import encode_cursor
from application.common.security_log import CURSOR_KIND
from application.ports.persistence import Keyset
from domain.events import EventType
from domain.passwords import PasswordHash

EXPORT_EVENTS = 100_000
"""Extension point: the export workload (a user with 100 000 events) seeds with
:func:`seed_export_user`."""

HISTORY = timedelta(days=365)
SESSIONS_PER_HISTORY = 200
EVENT_MIX: Mapping[str, int] = {  # percent of a user's log; each must be an EventType
    "login.succeeded": 30,
    "session.created": 30,
    "session.revoked": 18,
    "login.failed": 10,
    "login.mfa_challenged": 3,
    "session.suspicious": 2,
    "profile.updated": 2,
    "password.changed": 2,
    "token.reuse_detected": 1,
    "password.reset_requested": 2,
}
SESSION_TYPES = (
    "login.succeeded",
    "session.created",
    "session.revoked",
    "session.suspicious",
    "token.reuse_detected",
)

UUID7 = """
CREATE FUNCTION pg_temp.uuid7(at timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
         PLACING substring(int8send(floor(extract(epoch FROM at) * 1000)::bigint) FROM 3)
         FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$
"""
USERS = """
INSERT INTO users (id, email, email_verified, email_verified_at, first_name, last_name,
                   status, role, metadata, created_at, updated_at, password_hash,
                   password_scheme)
SELECT pg_temp.uuid7(t.at), format(%(pattern)s, g), true, t.at, 'Bench', 'User',
       'active', 'user', '{}'::jsonb, t.at, t.at, %(hash)s, %(scheme)s
FROM generate_series(1, %(count)s) AS g,
     LATERAL (SELECT %(since)s + g * interval '1 second' AS at) AS t
RETURNING id
"""
SESSIONS = """
INSERT INTO sessions (id, user_id, status, user_agent, ip_hash, ip_prefix, browser, os,
                      device, trust_score, verification_status, auth_methods, created_at,
                      expires_at, last_activity_at, revoked_at, revoked_reason, metadata)
SELECT pg_temp.uuid7(t.at), %(user)s, 'revoked',
       'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
       md5(g::text) || md5(g::text || 'ip'), '203.0.113.0/24', 'Firefox', 'Linux', 'Other',
       65, 'unverified', '["pwd"]'::jsonb, t.at, t.at + interval '90 days', t.at,
       t.at + interval '1 day', 'logout', '{}'::jsonb
FROM generate_series(1, %(count)s) AS g,
     LATERAL (SELECT %(since)s + g * %(step)s AS at) AS t
RETURNING id
"""
METADATA = """
CASE e.type
  WHEN 'login.succeeded' THEN
    jsonb_build_object('method', 'pwd', 'trust_score', 40 + e.g %% 60)
  WHEN 'session.created' THEN jsonb_build_object(
    'browser', (ARRAY['Firefox', 'Chrome', 'Safari', 'Edge'])[1 + e.g %% 4],
    'os', (ARRAY['Linux', 'Windows', 'Mac OS X', 'iOS', 'Android'])[1 + e.g %% 5],
    'device', 'Other', 'trust_score', 40 + e.g %% 60, 'methods', 'pwd')
  WHEN 'session.revoked' THEN jsonb_build_object(
    'reason', (ARRAY['logout', 'user', 'expired', 'password_changed'])[1 + e.g %% 4])
  WHEN 'login.failed' THEN
    jsonb_build_object('reason', 'wrong_password', 'failed_count', 1 + e.g %% 9)
  WHEN 'login.mfa_challenged' THEN jsonb_build_object('methods', 'totp')
  WHEN 'session.suspicious' THEN jsonb_build_object(
    'trust_score', 10 + e.g %% 30, 'signals', 'new_device,new_network')
  WHEN 'profile.updated' THEN jsonb_build_object('fields', 'display_name')
  WHEN 'password.changed' THEN jsonb_build_object('sessions_revoked', e.g %% 4)
  WHEN 'token.reuse_detected' THEN
    jsonb_build_object('token_age_seconds', 60 + e.g %% 86400)
  ELSE '{}'::jsonb
END
"""
CROWD = """
SELECT g, (%(others)s::uuid[])[1 + g %% %(other_count)s] AS user_id,
       %(since)s + random() * %(span)s AS at,
       (%(mix)s::text[])[1 + floor(random() * 100)::int] AS type
FROM generate_series(1, %(crowd)s) AS g
"""
"""``crowd`` events of ``others`` (round robin) at random times in ``[since, since + span)``."""
EVENTS = f"""
INSERT INTO account_events (id, user_id, type, metadata, session_id, occurred_at)
SELECT pg_temp.uuid7(e.at), e.user_id, e.type, {METADATA},
       CASE WHEN e.user_id = %(user)s AND e.type = ANY(%(session_types)s)
            THEN (%(sessions)s::uuid[])[1 + e.g %% %(session_count)s] END,
       e.at
FROM (SELECT g, %(user)s::uuid AS user_id, %(since)s + (g - random()) * %(step)s AS at,
             (%(mix)s::text[])[1 + floor(random() * 100)::int] AS type
      FROM generate_series(1, %(count)s) AS g
      UNION ALL {CROWD}) AS e
ORDER BY e.at
"""  # noqa: S608 -- built from the constants above
"""One user's ``count`` events, evenly over the span, with the crowd's among them: rows
go in in time order, so the user's history is interleaved with the others' on disk too."""
OLDER = f"""
INSERT INTO account_events (id, user_id, type, metadata, occurred_at)
SELECT pg_temp.uuid7(e.at), e.user_id, e.type, {METADATA}, e.at
FROM ({CROWD}) AS e
ORDER BY e.at
"""  # noqa: S608 -- built from the constants above
SECONDARY_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = %s
  AND indexname NOT IN (SELECT conname FROM pg_constraint)
"""
DEEP_ROW = """
SELECT occurred_at, id FROM account_events WHERE user_id = %s
ORDER BY occurred_at DESC, id DESC OFFSET %s LIMIT 1
"""


def password_hash(pepper: str, rounds: int, password: str) -> PasswordHash:
    return BcryptPasswordHasher(pepper.encode(), rounds).hash(password)


def connect(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """``url`` as SQLAlchemy spells it (``postgresql+psycopg://``) or as libpq does."""
    connection = psycopg.connect(url.replace("+psycopg", "", 1), autocommit=True)
    connection.execute(UUID7)
    return connection


@contextmanager
def bulk_load(db: psycopg.Connection[tuple[object, ...]], table: str) -> Iterator[None]:
    """Load ``table`` as ``pg_restore`` does: foreign-key triggers off (the seed's rows are
    consistent by construction) and the secondary indexes dropped, then built again from
    their own catalog definitions in one sorted pass each. Freshly built indexes are
    denser than ones grown row by row over a year, so reads may be a little kinder here."""
    indexes = db.execute(SECONDARY_INDEXES, (table,)).fetchall()
    db.execute("SET session_replication_role = replica")
    for name, _ in indexes:
        db.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(str(name))))
    yield  # a load that failed leaves the indexes out: the database is thrown away anyway
    db.execute("SET maintenance_work_mem = '512MB'")
    for _, definition in indexes:
        db.execute(cast("LiteralString", definition))
    db.execute("RESET maintenance_work_mem")
    db.execute("RESET session_replication_role")


def seed_users(
    db: psycopg.Connection[tuple[object, ...]], pattern: str, count: int, hashed: PasswordHash
) -> list[UUID]:
    """``count`` verified users, ``pattern`` with ``%s`` for 1..count, created over the
    past weeks (older than 30 days, as a returning user's account is)."""
    since = datetime.now(UTC) - timedelta(days=60)
    params = {
        "pattern": pattern,
        "count": count,
        "hash": hashed.value,
        "scheme": hashed.scheme,
        "since": since,
    }
    rows = db.execute(USERS, params).fetchall()
    return [UUID(str(row[0])) for row in rows]


def _mix() -> list[str]:
    return [EventType(kind).value for kind, percent in EVENT_MIX.items() for _ in range(percent)]


def _crowd(others: Sequence[UUID], count: int, since: datetime) -> dict[str, object]:
    return {
        "others": list(others),
        "other_count": max(len(others), 1),
        "crowd": count if others else 0,
        "since": since,
        "span": HISTORY,
        "mix": _mix(),
    }


def seed_older_history(
    db: psycopg.Connection[tuple[object, ...]], others: Sequence[UUID], count: int
) -> None:
    """``count`` events of ``others`` in the year before the past one: older than every
    event :func:`seed_event_history` writes. Call it first, so rows stay in time order."""
    since = datetime.now(UTC) - 2 * HISTORY - timedelta(hours=1)
    db.execute(OLDER, _crowd(others, count, since))


def seed_event_history(
    db: psycopg.Connection[tuple[object, ...]],
    user: UUID,
    count: int,
    *,
    others: Sequence[UUID] = (),
    alongside: int = 0,
) -> None:
    """``count`` events over the past year for ``user``, with 200 ended sessions, and
    ``alongside`` events of ``others`` over the same year, interleaved with them."""
    since = datetime.now(UTC) - HISTORY - timedelta(hours=1)
    session_step = HISTORY / SESSIONS_PER_HISTORY
    sessions = [
        row[0]
        for row in db.execute(
            SESSIONS,
            {
                "user": user,
                "count": SESSIONS_PER_HISTORY,
                "since": since,
                "step": session_step,
            },
        ).fetchall()
    ]
    db.execute(
        EVENTS,
        {
            **_crowd(others, alongside, since),
            "user": user,
            "count": count,
            "step": HISTORY / count,
            "sessions": sessions,
            "session_count": len(sessions),
            "session_types": list(SESSION_TYPES),
        },
    )


def seed_history_user(
    db: psycopg.Connection[tuple[object, ...]],
    email: str,
    events: int,
    hashed: PasswordHash,
    *,
    others: Sequence[UUID] = (),
    alongside: int = 0,
) -> UUID:
    """One user (``email`` holds no ``%``) with ``events`` events in the past year, and
    ``alongside`` events of ``others`` among them."""
    (user,) = seed_users(db, email, 1, hashed)
    seed_event_history(db, user, events, others=others, alongside=alongside)
    return user


EXPORT_USER = "export@bench.example"


def seed_export_user(db: psycopg.Connection[tuple[object, ...]], hashed: PasswordHash) -> UUID:
    """The user the export workload exports (100 000 events)."""
    return seed_history_user(db, EXPORT_USER, EXPORT_EVENTS, hashed)


def settle(db: psycopg.Connection[tuple[object, ...]]) -> None:
    """What autovacuum would have done to a table that grew over a year: hint bits set,
    visibility map and planner statistics current."""
    db.execute("VACUUM (ANALYZE)")


def deep_cursor(db: psycopg.Connection[tuple[object, ...]], user: UUID, depth: int) -> str:
    """The cursor ``GET /me/events`` hands out after the row at ``depth`` (newest first),
    encoded by the application's own ``encode_cursor``."""
    row = db.execute(DEEP_ROW, (user, depth)).fetchone()
    if row is None:
        raise RuntimeError(f"the user has fewer than {depth + 1} events")
    at, key = row
    assert isinstance(at, datetime)
    return encode_cursor(CURSOR_KIND, Keyset(at=at, id=UUID(str(key))))
