"""Latency of the identity hot paths on the embedded default (SQLite, in-process state).

Starts ``bastion run`` in a temporary instance folder with the production bcrypt cost,
creates a verified user through the CLI, then times sequential logins and ``GET /me``
calls from this process over loopback. Bounded in count and time; talks only to 127.0.0.1.

    uv run python bench/identity.py [--logins 30] [--me 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "a benchmark passphrase nobody uses"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def summarize(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 2),
    }


def timed(call: Callable[[], object], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--me", type=int, default=1000)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="bastion-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "BASTION_INSTANCE_DIR": str(instance),
        "BASTION_DATABASE_URL": f"sqlite:///{instance}/bastion.db",
        "BASTION_RATE_LIMIT_SCALE": "100000",
        "BASTION_LOG_LEVEL": "WARNING",
    }
    env.pop("BASTION_REDIS_URL", None)
    subprocess.run([str(BIN / "bastion"), "db", "upgrade"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [str(BIN / "bastion"), "users", "create-admin", "bench@example.com", "--password-stdin"],
        input=PASSWORD.encode(),
        env=env,
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [str(BIN / "bastion"), "run", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        http = requests.Session()
        credentials = {"email": "bench@example.com", "password": PASSWORD}

        def log_in() -> dict[str, str]:
            response = http.post(f"{base}/api/v1/auth/login", json=credentials, timeout=30)
            response.raise_for_status()
            return dict(response.json())

        token = log_in()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def me() -> None:
            http.get(f"{base}/api/v1/me", headers=headers, timeout=10).raise_for_status()

        timed(me, 50)
        results = {
            "setup": (
                "embedded default: SQLite WAL, in-process state, Flask dev server, bcrypt cost 12"
            ),
            "login": summarize(timed(log_in, args.logins)),
            "get_me": summarize(timed(me, args.me)),
            "cpus": os.cpu_count(),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)
    out = ROOT / "bench" / "results" / "identity-embedded.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
