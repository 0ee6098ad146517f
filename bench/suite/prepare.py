"""Everything between "the stack answers" and the first measurement: seed the database,
sign users in through the API, and write the Lua scripts' input files."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from suite import seed
from suite.logins import Tokens, login_body, sign_in_all, write_lines
from suite.stack import BCRYPT_ROUNDS, Stack
from suite.workloads import Context, Cursors, Exporters, Files, register_body, task_body

PASSWORD = "a benchmark passphrase nobody uses"
SIGNED_IN = 32  # sessions for the authenticated workloads: 16 per wrk thread for refresh
EVENTS_USER = "events@bench.example"
EVENTS_DEPTH = 900_000
PAGE = 20  # GET /me/events' default limit


class Stopwatch:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 2)
        self._last = now


@dataclass(frozen=True)
class Crowd:
    """Other users' events: ``older`` in the year before the events user's history,
    ``alongside`` in the same year, among the user's."""

    older: int
    alongside: int


def prepare(
    stack: Stack,
    home: Path,
    *,
    users: int,
    events: int,
    crowd: Crowd,
    seconds: float,
    threads: int,
) -> tuple[Context, dict[str, float]]:
    """Returns the workloads' context and how long each step took."""
    clock = Stopwatch()
    hashed = seed.password_hash(stack.env["BASTION_PASSWORD_PEPPER"], BCRYPT_ROUNDS, PASSWORD)
    with seed.connect(stack.env["BASTION_DATABASE_URL"]) as db:
        others = seed.seed_users(db, "bench-%s@bench.example", users, hashed)
        clock.lap(f"{users:,} users")
        with seed.bulk_load(db, "account_events"):
            seed.seed_older_history(db, others, crowd.older)
            clock.lap(f"{crowd.older:,} older events of the {users:,} users")
            events_user = seed.seed_history_user(
                db, EVENTS_USER, events, hashed, others=others, alongside=crowd.alongside
            )
            clock.lap(f"{events:,} events of one user among {crowd.alongside:,} of the others")
            export_user = seed.seed_export_user(db, hashed)
            clock.lap(f"export user ({seed.EXPORT_EVENTS:,} events)")
        clock.lap("event indexes built")
        seed.settle(db)
        cursors = Cursors(
            deep=seed.deep_cursor(db, events_user, min(EVENTS_DEPTH, events * 9 // 10)),
            last=seed.deep_cursor(db, events_user, max(events - PAGE - 1, 0)),
        )
        clock.lap("VACUUM ANALYZE")
    emails = [f"bench-{n}@bench.example" for n in range(1, users + 1)]
    signed_in = [*emails[:SIGNED_IN], EVENTS_USER, seed.EXPORT_USER]
    tokens = sign_in_all(stack.base_url, signed_in, PASSWORD)
    clock.lap(f"{len(signed_in)} sign-ins through the API")
    files = _files(home, threads, emails[SIGNED_IN:], tokens[:-1])
    exporters = Exporters(empty=tokens[0].access, full=tokens[-1].access, user=export_user)
    return Context(stack, seconds, threads, files, cursors, exporters), clock.laps


def _files(home: Path, threads: int, emails: list[str], tokens: list[Tokens]) -> Files:
    """Every file holds at least one line per wrk thread (each takes its own slice).
    The login workload and the flood sign in disjoint halves of the users."""
    users, events_token = tokens[:-1], tokens[-1]
    half = len(emails) // 2
    return Files(
        access_tokens=write_lines(home / "access.txt", [t.access for t in users]),
        refresh_tokens=write_lines(home / "refresh.txt", [t.refresh for t in users]),
        events_tokens=write_lines(home / "events.txt", [events_token.access] * threads),
        login_bodies=write_lines(
            home / "login.txt", [login_body(e, PASSWORD) for e in emails[:half]]
        ),
        flood_bodies=write_lines(
            home / "flood.txt", [login_body(e, PASSWORD) for e in emails[half:]]
        ),
        register_bodies=write_lines(
            home / "register.txt", [register_body(home.name, PASSWORD)] * threads
        ),
        task_bodies=write_lines(home / "tasks.txt", [task_body()] * threads),
    )
