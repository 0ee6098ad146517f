"""Slow and idle clients against gunicorn as production starts it (its settings module, two
workers of 48 threads), on the embedded SQLite app. A connection that is still sending its
request head, or sends nothing, must not hold one of the threads that answer everyone else;
one still sending its head at the deadline is cut off."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BufferedReader

import pytest
import requests

from entrypoints.http import gunicorn_conf
from entrypoints.http.gunicorn_worker import MAX_BUFFERED_HEAD, head_limit
from tests.e2e.conftest import BIN, ROOT, free_port, gunicorn, running, wait_ready
from tests.support.serving import production_config
from tests.support.settings import TEST_SECRETS

HEADER_TIMEOUT = 3
"""``BASTION_HEADER_TIMEOUT`` here: short, so slow clients are cut off and come back during
the run (as an attacker's would), and the deadline test is quick."""
TRICKLING, IDLE, PARTIAL = 64, 16, 16
RUN_SECONDS = 20
POLL_EVERY, POLL_TIMEOUT = 0.5, 2.0
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: bastion\r\n\r\n"


@dataclass
class Api:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def connect(self) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=5)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    instance = tmp_path_factory.mktemp("slow-clients")
    env = {
        **os.environ,
        "BASTION_ENV": "test",
        "BASTION_INSTANCE_DIR": str(instance),
        "BASTION_DATABASE_URL": f"sqlite:///{instance}/bastion.db",
        "BASTION_BCRYPT_ROUNDS": "4",
        "BASTION_RATE_LIMIT_SCALE": "1000",
        "BASTION_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        **{f"BASTION_{k.upper()}": v for k, v in TEST_SECRETS.items()},
    }
    env.pop("BASTION_REDIS_URL", None)
    subprocess.run([str(BIN / "bastion"), "db", "upgrade"], env=env, cwd=ROOT, check=True)
    port = free_port()
    with running({"api": gunicorn(port)}, env, instance) as processes:
        wait_ready(f"http://127.0.0.1:{port}/healthz", processes["api"])
        yield Api("127.0.0.1", port)


@dataclass
class SlowClients:
    """Connections that trickle a request head one byte per tick, that send nothing, and
    that send half a request line. One the server closes or answers is opened again, so the
    counts hold for the whole run."""

    api: Api
    until: float
    opened: int = 0
    sockets: dict[socket.socket, bytes] = field(default_factory=dict)

    def run(self) -> None:
        kinds = [b"GET /healthz HTTP/1.1\r\nHost: bastion\r\nX-Slow: "] * TRICKLING
        kinds += [b""] * IDLE + [b"GET /heal"] * PARTIAL
        try:
            for first in kinds:
                self._open(first)
            while time.monotonic() < self.until:
                self._reopen_closed()
                for sock, first in list(self.sockets.items()):
                    if first.startswith(b"GET /healthz") and not self._send(sock, b"a"):
                        self._replace(sock)
                time.sleep(POLL_EVERY)
        finally:
            for sock in self.sockets:
                sock.close()

    def _open(self, first: bytes) -> None:
        try:
            sock = self.api.connect()
        except OSError:
            return  # tried again on the next tick
        self.opened += 1
        self.sockets[sock] = first
        if first and not self._send(sock, first):
            self._replace(sock)

    def _reopen_closed(self) -> None:
        """A readable socket was answered (408) or closed by the server."""
        readable, _, _ = select.select(list(self.sockets), [], [], 0)
        for sock in readable:
            self._replace(sock)

    def _replace(self, sock: socket.socket) -> None:
        first = self.sockets.pop(sock)
        sock.close()
        self._open(first)

    @staticmethod
    def _send(sock: socket.socket, data: bytes) -> bool:
        try:
            sock.sendall(data)
        except OSError:
            return False
        return True


def test_healthz_answers_while_slow_and_idle_clients_hold_connections(api: Api) -> None:
    started = time.monotonic()
    clients = SlowClients(api, until=started + RUN_SECONDS + 1)
    holder = threading.Thread(target=clients.run, daemon=True)
    holder.start()
    time.sleep(1)  # every slow client connected and sending
    polls: list[str] = []
    while time.monotonic() < started + RUN_SECONDS:
        try:
            status = requests.get(f"{api.url}/healthz", timeout=POLL_TIMEOUT).status_code
            polls.append(str(status))
        except requests.RequestException as error:
            polls.append(type(error).__name__)
        time.sleep(POLL_EVERY)
    holder.join(timeout=10)
    assert not holder.is_alive()
    assert clients.opened >= TRICKLING + IDLE + PARTIAL
    assert len(polls) >= RUN_SECONDS / (POLL_EVERY + POLL_TIMEOUT)
    failed = [poll for poll in polls if poll != "200"]
    assert not failed, f"{len(failed)} of {len(polls)} polls failed: {failed}"


def test_a_client_still_sending_its_head_at_the_deadline_is_cut_off(api: Api) -> None:
    with api.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bastion\r\nX-Slow: ")
        started = time.monotonic()
        answer, closed_after = _trickle_until_closed(sock, HEADER_TIMEOUT + 5)
    assert closed_after is not None, "still connected"
    assert HEADER_TIMEOUT - 0.5 <= closed_after - started <= HEADER_TIMEOUT + 2.5
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408 "), answer


def test_a_head_longer_than_the_worker_keeps_is_refused_before_the_deadline(api: Api) -> None:
    """64 KiB at most, far below the 800 KiB gunicorn's own limits allow: a thousand
    waiting connections must not hold that much each in one worker."""
    too_long = MAX_BUFFERED_HEAD + 1
    assert too_long < head_limit(production_config())
    with api.connect() as sock:
        started = time.monotonic()
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nX-Long: " + b"a" * too_long)
            answer = sock.recv(4096)
            assert sock.recv(4096) == b""
        except ConnectionResetError:
            answer = b""  # closed with bytes still unread: the answer may be lost
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer
    assert time.monotonic() - started < HEADER_TIMEOUT


def _trickle_until_closed(sock: socket.socket, seconds: float) -> tuple[bytes, float | None]:
    """Sends a byte every 0.3 s until the server closes the connection: what it answered,
    and when it closed (None if it did not within ``seconds``)."""
    answer = b""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        readable, _, _ = select.select([sock], [], [], 0.3)
        try:
            if not readable:
                sock.sendall(b"a")
                continue
            chunk = sock.recv(4096)
        except OSError:
            chunk = b""
        if not chunk:
            return answer, time.monotonic()
        answer += chunk
    return answer, None


def test_keep_alive_pipelining_and_a_json_body_still_work(api: Api) -> None:
    body = json.dumps(
        {
            "email": "slow@example.com",
            "password": "correct horse battery staple",
            "first_name": "Ada",
            "last_name": "Byron",
        }
    ).encode()
    post = (
        b"POST /api/v1/auth/register HTTP/1.1\r\nHost: bastion\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with api.connect() as sock:
        replies = sock.makefile("rb")
        sock.sendall(HEALTHZ)
        assert _status(replies) == 200
        sock.sendall(HEALTHZ + HEALTHZ[:20])  # the next head arrives in two parts
        time.sleep(0.3)
        sock.sendall(HEALTHZ[20:])
        assert (_status(replies), _status(replies)) == (200, 200)
        sock.sendall(post)  # the body follows the head later: a thread reads it
        time.sleep(0.3)
        sock.sendall(body)
        assert _status(replies) == 202
        sock.sendall(post + body[:10])  # the head and part of the body in one read
        time.sleep(0.3)
        sock.sendall(body[10:])
        assert _status(replies) == 202


def test_an_idle_kept_alive_connection_is_still_closed_after_keepalive(api: Api) -> None:
    with api.connect() as sock:
        replies = sock.makefile("rb")
        sock.sendall(HEALTHZ)
        assert _status(replies) == 200
        started = time.monotonic()
        sock.settimeout(gunicorn_conf.keepalive + 3)
        assert replies.read(1) == b""
        assert time.monotonic() - started < gunicorn_conf.keepalive + 2


def _status(reader: BufferedReader) -> int:
    """Reads one response with a ``Content-Length``; its status."""
    status = int(reader.readline().split()[1])
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    reader.read(length)
    return status
