"""How the load's connections sit across gunicorn's workers.

A gunicorn worker keeps every keep-alive connection it accepted, so a few long-lived
clients (wrk here; a reverse proxy's upstream pool in production) can end up mostly on one
worker, and one GIL then does most of the work. Sampled from ``/proc`` halfway through a
run: established TCP connections on the server's port, counted per worker process.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from suite.cpu import tree

_ESTABLISHED = "01"
_SOCKET = "socket:["


@dataclass(frozen=True)
class Server:
    """A gunicorn server: its base URL and its master's pid."""

    base_url: str
    pid: int

    @property
    def port(self) -> int:
        return urlsplit(self.base_url).port or 80

    def workers(self) -> list[int]:
        return sorted(tree(self.pid) - {self.pid})


class SpreadSampler:
    """``with SpreadSampler(server, after=5) as spread: ...`` then ``spread.counts``:
    connections per worker, most loaded first, taken ``after`` seconds in."""

    def __init__(self, server: Server, after: float) -> None:
        self._server = server
        self._timer = threading.Timer(after, self._sample)
        self.counts: list[int] = []

    def __enter__(self) -> SpreadSampler:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()

    def _sample(self) -> None:
        inodes = _established_inodes(self._server.port)
        counts = [_sockets_among(pid, inodes) for pid in self._server.workers()]
        self.counts = sorted(counts, reverse=True)


def _established_inodes(port: int) -> set[int]:
    """Server-side sockets of established connections to ``port``."""
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == _ESTABLISHED:
                found.add(int(fields[9]))
    return found


def _sockets_among(pid: int, inodes: set[int]) -> int:
    count = 0
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith(_SOCKET) and int(target[len(_SOCKET) : -1]) in inodes:
            count += 1
    return count
