"""Instructions per ``GET /me``, and per request of the framework floor and of the design's
ceiling (``ceiling_app.py``), counted by valgrind: a number that repeats to a fraction of a
percent, where wall clocks on a shared VM move by a quarter between two runs. User space
only: the system calls of the Redis round trip are not counted. Use it to tell whether a
change to the hot path made it cheaper; ``bench/run.py`` tells how fast the whole stack is.

    apt-get install -y valgrind
    .venv/bin/python bench/instructions.py [--requests 400]

Starts PostgreSQL, Redis, the sinks and gunicorn as ``bench/run.py`` does (with a few
users), signs one user in, then runs each app's WSGI callable in a process of its own
under callgrind: a warm-up, then ``--requests`` requests counted. Gunicorn is not counted.
Valgrind runs code about fifty times slower, so the outbox interval is lengthened in the
counted process: otherwise most requests would check the outbox, which real traffic does
once per 0.5 s per process.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

from suite import seed
from suite.logins import sign_in_all
from suite.prepare import PASSWORD
from suite.procs import stop_on_signals
from suite.stack import BCRYPT_ROUNDS, Gunicorn, Tuning, production_stack

HERE = Path(__file__).resolve().parent
WARM_UP = 500
PATH = "/api/v1/me"
EMAIL = "instructions-%s@bench.example"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="counted per app")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed: apt-get install -y valgrind")
    stop_on_signals()
    home = Path(tempfile.mkdtemp(prefix="bastion-instructions-"))
    try:
        with ExitStack() as running:
            (home / "logs").mkdir()
            stack = production_stack(running, home, Gunicorn(1, 1), Tuning(100_000, 1))
            _seed_one_user(stack.env, PASSWORD)
            (token,) = sign_in_all(stack.base_url, [EMAIL % 1], PASSWORD)
            env = {**os.environ, **stack.env}
            floor = _count("floor", args.requests, env, token.access)
            ceiling = _count("ceiling", args.requests, env, token.access)
            me = _count("me", args.requests, env, token.access)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"| app | instructions per request ({args.requests} counted after {WARM_UP}) |")
    print("|---|---:|")
    print(f"| framework floor (bare Flask JSON) | {floor:,.0f} |")
    print(f"| design's ceiling (floor, token check, Redis round trip) | {ceiling:,.0f} |")
    print(f"| `GET /me` | {me:,.0f} |")
    print(f"| ratio floor / ceiling | {floor / ceiling:.3f} |")
    print(f"| ratio floor / `GET /me` | {floor / me:.3f} |")
    print(f"| ratio ceiling / `GET /me` | {ceiling / me:.3f} |")


def _seed_one_user(env: dict[str, str], password: str) -> None:
    hashed = seed.password_hash(env["BASTION_PASSWORD_PEPPER"], BCRYPT_ROUNDS, password)
    with seed.connect(env["BASTION_DATABASE_URL"]) as db:
        seed.seed_users(db, EMAIL, 1, hashed)


def _count(app: str, requests: int, env: dict[str, str], token: str) -> float:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--loop",
        app,
        str(requests),
    ]
    done = subprocess.run(
        command,
        env={**env, "BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE.parent,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        sys.exit(f"counting {app} failed:\n{done.stderr[-3000:]}")
    return int(found.group(1)) / requests


def _loop(app_name: str, requests: int) -> None:
    """Runs under valgrind: warm up, switch counting on, serve ``requests``, switch off."""
    sys.path[:0] = [str(HERE.parent), str(HERE)]
    sys.stderr = Path(os.devnull).open("w")  # noqa: SIM115 -- the access log, for the whole run
    app = _APPS[app_name]()
    token = os.environ["BENCH_TOKEN"]
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        statuses.append(status)

    def serve(count: int) -> None:
        for _ in range(count):
            _drain(app(_environ(token), start_response))

    serve(WARM_UP)
    _callgrind("-i", "on")
    serve(requests)
    _callgrind("-i", "off")
    if any(not status.startswith("200") for status in statuses):
        raise SystemExit(f"not every request succeeded: {sorted(set(statuses))}")


def _floor() -> Callable[..., Iterable[bytes]]:
    app: Callable[..., Iterable[bytes]] = importlib.import_module("floor_app").app
    return app


def _ceiling() -> Callable[..., Iterable[bytes]]:
    """Its own token and session (the request's ``Authorization`` is not read)."""
    app: Callable[..., Iterable[bytes]] = importlib.import_module("ceiling_app").create()
    return app


def _bastion() -> Callable[..., Iterable[bytes]]:
    """Imported here, after the environment is set: ``wsgi`` builds the app on import."""
    app: Any = importlib.import_module("wsgi").app
    key = importlib.import_module("entrypoints.http.api").CONTAINER_KEY
    container = app.extensions[key]
    container.live_sessions()._drain_interval = timedelta(hours=1)  # see above
    served: Callable[..., Iterable[bytes]] = app
    return served


_APPS = {"floor": _floor, "ceiling": _ceiling, "me": _bastion}


def _environ(token: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": PATH,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_USER_AGENT": "bench",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _drain(body: Iterable[bytes]) -> None:
    for _ in body:
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _callgrind(*switch: str) -> None:
    command = ["callgrind_control", *switch, str(os.getpid())]
    subprocess.run(command, check=True, capture_output=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--loop":
        _loop(sys.argv[2], int(sys.argv[3]))
    else:
        main()
