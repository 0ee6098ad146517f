"""The stack benchmark: Bastion as production runs it, on this machine, under wrk.

Starts a private PostgreSQL 15, Redis, mail and SMS sinks, migrates, serves ``wsgi:app``
on gunicorn with one RQ worker, seeds users and a user with a million events among 3.2
million of the others', signs users in, then measures: the framework floor (bare Flask,
same gunicorn shape), the hashing floor (bcrypt verifies/s on every core), each workload
of ``suite/workloads.py``, and a login flood at three times the hashing floor with
``GET /me`` measured meanwhile. Prints a Markdown report and writes
``bench/results/stack.json``. Everything it starts is stopped and its temporary directory
deleted at exit, Ctrl-C included.

    .venv/bin/python bench/run.py [--seconds 10] [--workers 2] [--threads 4] [--only me,login]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from suite.cpu import ForeignCpu
from suite.exporting import measure_exports
from suite.hashing import HashingFloor
from suite.hashing import measure as measure_hashing
from suite.logscan import scan
from suite.postgres import SERVER_SETTINGS
from suite.prepare import Crowd, prepare
from suite.procs import stop_on_signals, wait_for_hashes, wait_idle
from suite.report import CEILING, FLOOR, ME, Report, markdown, write_json
from suite.scenarios import login_flood, profile_me
from suite.seed import EXPORT_EVENTS
from suite.stack import (
    BCRYPT_ROUNDS,
    MAX_PASSWORD_CHECKS,
    PASSWORD_LINE,
    Gunicorn,
    Stack,
    Tuning,
    ceiling_app,
    floor_app,
    production_stack,
)
from suite.steady import EDGE_SECONDS
from suite.workloads import ME_CONNECTIONS, WORKLOADS, Context
from suite.wrk import Load, Measurement, measured, require_wrk, run_wrk

from entrypoints.http import gunicorn_conf

RESULTS = Path(__file__).resolve().parent / "results" / "stack.json"
WARM_UP_SECONDS = 2
ROUNDS = 4  # of floor, ceiling and GET /me per connection count; even, so the floor and GET /me
# each go first as often
RUN_SECONDS = 5  # each run of a round
PRIME_SECONDS = 1  # an unmeasured run just before each run of a round, on the same server
FLOOD_FACTOR = 3
SIGN_IN_WORKLOADS = ("login", "register")  # hashing-bound: each between two hashing floors


def _positive(text: str) -> float:
    seconds = float(text)
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return seconds


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=_positive, default=10, help="per wrk run (floor and GET /me pairs: 5)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=gunicorn_conf.threads, help="gunicorn threads per worker"
    )
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--users", type=int, default=2000, help="seeded users who sign in")
    parser.add_argument("--events", type=int, default=1_000_000, help="events of one user")
    parser.add_argument(
        "--older-events",
        type=int,
        default=2_000_000,
        help="the other users' events in the year before the events user's",
    )
    parser.add_argument(
        "--alongside-events",
        type=int,
        default=1_200_000,
        help="the other users' events in the events user's year, among theirs",
    )
    parser.add_argument("--rate-limit-scale", type=float, default=100_000)
    parser.add_argument(
        "--password-checks", type=int, default=MAX_PASSWORD_CHECKS, help="bcrypt checks per process"
    )
    parser.add_argument("--only", default=",".join(WORKLOADS), help="workloads, comma-separated")
    parser.add_argument("--no-flood", action="store_true")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args()


def setup_lines(args: argparse.Namespace, serving: Gunicorn) -> dict[str, str]:
    durability = ", ".join(
        f"{key}={SERVER_SETTINGS[key]}"
        for key in ("fsync", "synchronous_commit", "full_page_writes")
    )
    return {
        "machine": f"{os.cpu_count()} cores, {platform.platform()}; load generators share them",
        "serving": f"{serving.describe()}, timeout {serving.timeout} s, one RQ worker",
        "application": f"BASTION_ENV=production, bcrypt cost {BCRYPT_ROUNDS}, "
        f"{args.password_checks} password checks at once per process and {PASSWORD_LINE} in "
        "line, log level INFO (a JSON "
        f"line per request, to a file), rate limits x{args.rate_limit_scale:g} (all load "
        "comes from 127.0.0.1)",
        "database": f"private PostgreSQL 15, {durability} (a commit costs no disk flush)",
        "redis": "private redis-server, appendonly yes (fsync every second)",
        "load": f"wrk {args.wrk_threads} threads, {args.seconds:g} s per run, closed loop, "
        f"after a {WARM_UP_SECONDS} s warm-up (the floor, the ceiling and GET /me: {ROUNDS} "
        f"rounds of {RUN_SECONDS} s runs, each primed by {PRIME_SECONDS} s; sign-ins: "
        f"{args.seconds + 2 * EDGE_SECONDS:g} s runs, 'steady' counts the API's 2xx answers in "
        f"the middle {args.seconds:g} s); 'other CPU' = share of the machine used by processes "
        "outside the bench during the run",
    }


def warm_up(base_url: str, threads: int, tokens: Path | None = None) -> None:
    files = {"tokens": tokens} if tokens else {}
    run_wrk("warm-up", base_url, Load("get.lua", "/api/v1/me", 16, WARM_UP_SECONDS, threads, files))


def reference_rounds(ctx: Context, serving: Gunicorn, logs: Path) -> tuple[list[Measurement], ...]:
    """The framework floor, the design's ceiling and ``GET /me`` run back to back, with
    the whole stack up (all beside the same idle PostgreSQL, Redis and worker), ``ROUNDS``
    rounds at each connection count; ratios are taken round by round (``Report.ratios``).
    Three things keep a round fair on a shared VM, whose speed drifts by a quarter within a
    minute: its runs are seconds apart; the floor and ``GET /me`` take turns going first
    (the ceiling runs between them), so a drift within the round favours neither over the
    rounds; and each run is primed by an unmeasured second against the same server,
    because a server's first seconds after another one ran are up to a tenth slower (seen
    on the floor: 2,545 then 2,770 req/s)."""
    rows: dict[str, list[Measurement]] = {FLOOR: [], CEILING: [], ME: []}
    redis_url = ctx.stack.env["BASTION_REDIS_URL"]
    with floor_app(serving, logs) as floor, ceiling_app(serving, logs, redis_url) as ceiling:
        warm_up(floor.base_url, ctx.threads)
        warm_up(ceiling.base_url, ctx.threads)
        for round_ in range(ROUNDS):
            for c in ME_CONNECTIONS:
                load = Load("get.lua", "/api/v1/me", c, RUN_SECONDS, ctx.threads)
                apps = [
                    (FLOOR, floor, load),
                    (CEILING, ceiling, load),
                    (
                        ME,
                        ctx.stack.server,
                        replace(load, files={"tokens": ctx.files.access_tokens}),
                    ),
                ]
                for workload, server, app_load in apps if round_ % 2 == 0 else apps[::-1]:
                    run_wrk("priming", server.base_url, replace(app_load, seconds=PRIME_SECONDS))
                    wait_idle(server.base_url)  # the priming run's requests still in flight
                    rows[workload].append(measured(workload, server, app_load, ctx.stack.roots))
                    print(f"  {workload} ({c} conns): {rows[workload][-1].rps:,.1f} req/s")
    return rows[FLOOR], rows[CEILING], rows[ME]


def hashing_floor(stack: Stack, seconds: float) -> HashingFloor:
    """Measured once the API has finished what an earlier run left in flight: a sign-in
    run leaves its queued checks hashing after wrk stops."""
    wait_idle(stack.base_url)
    wait_for_hashes(stack.base_url)
    with ForeignCpu(stack.roots) as others:
        hashing = measure_hashing(BCRYPT_ROUNDS, min(seconds, 5))
    return replace(hashing, other_cpu_pct=others.percent)


def run_workloads(ctx: Context, names: list[str]) -> list[Measurement]:
    warm_up(ctx.stack.base_url, ctx.threads, ctx.files.access_tokens)
    found: list[Measurement] = []
    for name in names:
        for row in WORKLOADS[name](ctx):
            print(f"  {row.workload} ({row.connections} conns): {row.rps:,.1f} req/s")
            found.append(row)
    return found


def measure(args: argparse.Namespace, serving: Gunicorn, names: list[str], home: Path) -> Report:
    report = Report(setup_lines(args, serving), {})
    (home / "logs").mkdir()
    with ExitStack() as running:
        print("starting PostgreSQL, Redis, sinks, gunicorn, worker; seeding; signing in ...")
        tuning = Tuning(args.rate_limit_scale, args.password_checks)
        stack = production_stack(running, home, serving, tuning)
        ctx, report.seeding = prepare(
            stack,
            home,
            users=args.users,
            events=args.events,
            crowd=Crowd(args.older_events, args.alongside_events),
            seconds=args.seconds,
            threads=args.wrk_threads,
        )
        print("hashing floor (stack idle) ...")
        report.hashing = hashing_floor(stack, args.seconds)
        if "me" in names:
            print(f"floor, ceiling and GET /me, {ROUNDS} rounds at each connection count ...")
            warm_up(ctx.stack.base_url, ctx.threads, ctx.files.access_tokens)
            report.floor, report.ceiling, report.stack = reference_rounds(
                ctx, serving, home / "logs"
            )
        print("workloads ...")
        report.stack += run_workloads(
            ctx, [name for name in names if name != "me" and name not in SIGN_IN_WORKLOADS]
        )
        for name in (name for name in SIGN_IN_WORKLOADS if name in names):
            print(f"{name}, with the hashing floor measured just before and just after ...")
            around = report.hashing_around.setdefault(name, [])
            around.append(hashing_floor(stack, args.seconds))
            report.stack += run_workloads(ctx, [name])
            around.append(hashing_floor(stack, args.seconds))
        if not args.no_profile:
            print("profiling the API workers under GET /me ...")
            report.profiles = profile_me(ctx, home)
        if not args.no_flood:
            rate = FLOOD_FACTOR * report.hashing.verifies_per_second
            print(f"login flood at {rate:.1f}/s with GET /me measured meanwhile ...")
            report.flood, flooded = login_flood(ctx, rate)
            report.stack.append(flooded)
        if not args.no_export:
            print("export of the 100,000-event user by the RQ worker ...")
            exporters = ctx.exporters
            report.export = measure_exports(
                stack.base_url, stack.worker_pid, exporters.empty, exporters.full, EXPORT_EVENTS
            )
        report.delivered = stack.sinks.counts()
    report.logs = scan(home / "logs")  # the services have stopped: every line is written
    return report


def main() -> None:
    args = parse_args()
    require_wrk()
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    if unknown := set(names) - set(WORKLOADS):
        raise SystemExit(f"unknown workloads {sorted(unknown)}; known: {', '.join(WORKLOADS)}")
    stop_on_signals()
    started = time.perf_counter()
    serving = Gunicorn(args.workers, args.threads)
    home = Path(tempfile.mkdtemp(prefix="bastion-bench-"))
    try:
        report = measure(args, serving, names, home)
    except KeyboardInterrupt as signal_name:
        raise SystemExit(f"interrupted ({signal_name}): everything it started is stopped") from None
    finally:
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    report.wall_seconds = round(time.perf_counter() - started, 1)
    write_json(report, args.output)
    print(markdown(report))
    print(f"\nJSON: {args.output}")


if __name__ == "__main__":
    main()
