"""The workloads against the running stack: each is a small function from the run's
:class:`Context` to its measurements, listed in :data:`WORKLOADS` in the order they run.

Adding one is a function and a line in :data:`WORKLOADS`; data it needs is seeded in
``seed.py`` and handed over through the context. The next one planned, "export of a user
with 100 000 events: time and the worker's peak RSS growth against an empty export",
gets its user from ``Context.export_user`` (seeded by ``seed.seed_export_user``) and the
worker's pid from ``Context.stack.worker_pid``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from suite.procs import wait_idle
from suite.stack import Stack
from suite.wrk import Load, Measurement, measured

ME_CONNECTIONS = (16, 64)
CONNECTIONS = 16
BCRYPT_CONNECTIONS = 4  # per worker: one sign-in hashing and one waiting for its turn
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
class Context:
    stack: Stack
    seconds: float
    threads: int
    files: Files
    deep_cursor: str
    export_user: UUID

    def wrk(
        self,
        workload: str,
        script: str,
        path: str,
        connections: int,
        *,
        settle: bool = True,
        **files: Path,
    ) -> Measurement:
        """One wrk run; first, unless told not to, until the requests an earlier run left
        queued are done (wrk stops, its requests in flight do not)."""
        load = Load(script, path, connections, self.seconds, self.threads, files)
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
    deep = f"{EVENTS_PATH}?cursor={ctx.deep_cursor}"
    tokens = ctx.files.events_tokens
    return [
        ctx.wrk(
            "GET /me/events (1M, first page)", "get.lua", EVENTS_PATH, CONNECTIONS, tokens=tokens
        ),
        ctx.wrk("GET /me/events (1M, deep cursor)", "get.lua", deep, CONNECTIONS, tokens=tokens),
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
        ctx.wrk(
            "POST /auth/login", "post.lua", "/api/v1/auth/login", BCRYPT_CONNECTIONS, bodies=bodies
        )
    ]


def register(ctx: Context) -> list[Measurement]:
    bodies = ctx.files.register_bodies
    return [
        ctx.wrk(
            "POST /auth/register",
            "post.lua",
            "/api/v1/auth/register",
            BCRYPT_CONNECTIONS,
            bodies=bodies,
        )
    ]


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
