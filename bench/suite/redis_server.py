"""A private redis-server for one run, configured as ``docker-compose.yml`` runs Redis
(append-only file, fsync every second), on a free loopback port in a temporary directory."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from suite.procs import child, free_port

INSTALL_HINT = "redis-server not found: apt-get install -y redis-server"


@contextmanager
def private_redis(root: Path, log_dir: Path) -> Iterator[str]:
    """Yields the ``redis://`` URL once the server answers PING."""
    program = shutil.which("redis-server")
    if program is None:
        raise RuntimeError(INSTALL_HINT)
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [
        program,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(root),
        "--appendonly",
        "yes",
        "--save",
        "",
        "--protected-mode",
        "yes",
    ]
    with child("redis", argv, log_dir):
        url = f"redis://127.0.0.1:{port}/0"
        _wait_ping(url)
        yield url


def _wait_ping(url: str, timeout: float = 10) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.ping():
                return
        except redis.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"redis-server at {url} did not answer PING")
