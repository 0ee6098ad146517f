"""Runs that are more than one wrk: the login flood with GET /me measured meanwhile, and
a profiled GET /me run (not reported as a measurement: the sampler slows the worker)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from suite.flood import FloodResult, flood_logins
from suite.procs import wait_for_hashes, wait_idle
from suite.profile import INSTALL_HINT, Profile, find_py_spy, record, summarize
from suite.workloads import ME_CONNECTIONS, Context
from suite.wrk import Measurement

ME_UNDER_FLOOD = "GET /me during login flood"
FLOOD_LEAD_SECONDS = 1.5  # the flood builds its queue before GET /me is measured


def login_flood(ctx: Context, rate: float) -> tuple[FloodResult, Measurement]:
    """Logins at ``rate`` a second (open loop) from this process, while wrk measures
    ``GET /me`` at 16 connections from its own."""
    bodies = ctx.files.flood_bodies.read_text().splitlines()
    results: list[FloodResult] = []

    def flood() -> None:
        seconds = ctx.seconds + 2 * FLOOD_LEAD_SECONDS
        results.append(flood_logins(ctx.stack.base_url, bodies, rate, seconds))

    wait_idle(ctx.stack.base_url)
    wait_for_hashes(ctx.stack.base_url)
    sender = threading.Thread(target=flood, daemon=True)
    sender.start()
    time.sleep(FLOOD_LEAD_SECONDS)
    tokens = ctx.files.access_tokens
    me = ctx.wrk(
        ME_UNDER_FLOOD, "get.lua", "/api/v1/me", ME_CONNECTIONS[0], settle=False, tokens=tokens
    )
    sender.join()
    return results[0], me


def profile_me(ctx: Context, home: Path) -> list[Profile]:
    """py-spy on the API workers under GET /me at 16 connections: first where their CPU
    goes (GIL holder), then where their busy threads are (waits included)."""
    py_spy = find_py_spy()
    if py_spy is None:
        print(f"  profile skipped: {INSTALL_HINT}")
        return []
    tokens = ctx.files.access_tokens
    wait_idle(ctx.stack.base_url)
    load = threading.Thread(
        target=lambda: ctx.wrk("profiled", "get.lua", "/api/v1/me", 16, tokens=tokens),
        daemon=True,
    )
    load.start()
    time.sleep(1)
    window = (ctx.seconds - 2) / 2
    profiles = []
    for mode in ("gil", "busy"):
        raw = home / f"profile-me-{mode}.txt"
        record(py_spy, ctx.stack.api_pid, window, raw, gil=mode == "gil")
        profiles.append(summarize(raw, mode, window))
    load.join()
    return profiles
