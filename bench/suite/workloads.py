"""The workloads against the running stack: each is a small function from the run's
:class:`Context` to its measurements, listed in :data:`WORKLOADS` in the order they run.

Adding one is a function and a line in :data:`WORKLOADS`; data it needs is seeded in
``seed.py`` and handed over through the context. The export of the 100 000-event user
is measured apart (``exporting.py``): it is one job, not a stream of requests.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from uuid import UUID

from suite.procs import wait_for_hashes, wait_idle
from suite.stack import Stack
from suite.steady import EDGE_SECONDS, ok_per_second
from suite.wrk import Load, Measurement, measured

ME_CONNECTIONS = (16, 64)
EVENTS_CONNECTIONS = (1, 16)  # one client alone (the page's own latency), then a crowd
CONNECTIONS = 16
SIGN_IN_CONNECTIONS = (16, 64)  # as peers are measured; clients resend at once
EVENTS_PATH = "/api/v1/me/events"


@dataclass(frozen=True)
class Files:
    """Inputs for the Lua scripts, one item a line."""

    access_tokens: Path
    refresh_tokens: Path
    events_tokens: Path
    login_bodies: Path
    flood_bodies: Path
    register_bodies: Path
    task_bodies: Path


@dataclass(frozen=True)
class Exporters:
    """Access tokens of a user with almost no history and of the 100 000-event user."""

    empty: str
    full: str
    user: UUID


@dataclass(frozen=True)
class Cursors:
    """``GET /me/events`` cursors of the events user, made by the app's own
    ``encode_cursor``: 900 000 rows deep, and before the last page (its oldest 20)."""

    deep: str
    last: str


@dataclass(frozen=True)
class Context:
    stack: Stack
    seconds: float
    threads: int
    files: Files
    cursors: Cursors
    exporters: Exporters

    def wrk(
        self,
        workload: str,
        script: str,
        path: str,
        connections: int,
        *,
        settle: bool = True,
        polite: bool = False,
        seconds: float | None = None,
        **files: Path,
    ) -> Measurement:
        """One wrk run; first, unless told not to, until the requests an earlier run left
        queued are done (wrk stops, its requests in flight do not). ``polite`` clients
        wait out a 429's or 503's ``Retry-After``; ``seconds`` stands for the run's own."""
        flags = {"polite": "1"} if polite else {}
        length = self.seconds if seconds is None else seconds
        load = Load(script, path, connections, length, self.threads, files, flags)
        if settle:
            wait_idle(self.stack.base_url)
        return measured(workload, self.stack.server, load, self.stack.roots)


Workload = Callable[[Context], list[Measurement]]


def get_me(ctx: Context) -> list[Measurement]:
    return [
        ctx.wrk("GET /me", "get.lua", "/api/v1/me", c, tokens=ctx.files.access_tokens)
        for c in ME_CONNECTIONS
    ]


def events(ctx: Context) -> list[Measurement]:
    pages = (
        ("first page", EVENTS_PATH),
        ("deep cursor", f"{EVENTS_PATH}?cursor={ctx.cursors.deep}"),
        ("last page", f"{EVENTS_PATH}?cursor={ctx.cursors.last}"),
    )
    tokens = ctx.files.events_tokens
    return [
        ctx.wrk(f"GET /me/events (1M, {page})", "get.lua", path, connections, tokens=tokens)
        for connections in EVENTS_CONNECTIONS
        for page, path in pages
    ]


def tasks(ctx: Context) -> list[Measurement]:
    access, bodies = ctx.files.access_tokens, ctx.files.task_bodies
    return [
        ctx.wrk(
            "POST /tasks", "post.lua", "/api/v1/tasks", CONNECTIONS, tokens=access, bodies=bodies
        ),
        ctx.wrk("GET /tasks", "get.lua", "/api/v1/tasks", CONNECTIONS, tokens=access),
    ]


def refresh(ctx: Context) -> list[Measurement]:
    tokens = ctx.files.refresh_tokens
    return [
        ctx.wrk(
            "POST /auth/refresh", "refresh.lua", "/api/v1/auth/refresh", CONNECTIONS, tokens=tokens
        )
    ]


def login(ctx: Context) -> list[Measurement]:
    bodies = ctx.files.login_bodies
    return [
        _sign_ins(ctx, "POST /auth/login", "/api/v1/auth/login", bodies, connections)
        for connections in SIGN_IN_CONNECTIONS
    ]


def register(ctx: Context) -> list[Measurement]:
    bodies = ctx.files.register_bodies
    return [
        _sign_ins(ctx, "POST /auth/register", "/api/v1/auth/register", bodies, connections)
        for connections in SIGN_IN_CONNECTIONS
    ]


def _sign_ins(
    ctx: Context, workload: str, path: str, bodies: Path, connections: int
) -> Measurement:
    """Hashing-bound: wrk's own count loses the checks it cuts off when it stops, so the
    run lasts a second longer at each end and its steady rate is counted from the API's
    access log (``steady.py``)."""
    wait_idle(ctx.stack.base_url)
    wait_for_hashes(ctx.stack.base_url)
    log = ctx.stack.api_log
    offset, started = log.stat().st_size, time.time()
    row = ctx.wrk(
        workload,
        "post.lua",
        path,
        connections,
        settle=False,
        seconds=ctx.seconds + 2 * EDGE_SECONDS,
        bodies=bodies,
    )
    since = started + EDGE_SECONDS
    return replace(row, steady_ok_rps=ok_per_second(log, offset, path, since, since + ctx.seconds))


WORKLOADS: dict[str, Workload] = {
    "me": get_me,
    "events": events,
    "tasks": tasks,
    "refresh": refresh,
    "login": login,
    "register": register,
}


def task_body() -> str:
    return json.dumps(
        {
            "title": "bench task {seq}",
            "description": "written by the stack benchmark",
            "completed": False,
            "due_at": None,
        }
    )


def register_body(run_id: str, password: str) -> str:
    """``{seq}`` makes every request's email new: each is a real sign-up with its mail."""
    email = f"reg-{run_id}-{{seq}}@bench.example"
    return json.dumps(
        {"email": email, "password": password, "first_name": "Reggie", "last_name": "Loader"}
    )
