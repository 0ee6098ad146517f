"""A production-shaped stack in real processes: gunicorn (2 workers), an RQ worker, an SMTP
sink and an SMS webhook sink, on PostgreSQL and Redis started by the session fixtures."""

from __future__ import annotations

import email
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Lock
from typing import Any

import psycopg
import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from tests.support.settings import TEST_SECRETS

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GUNICORN_SETTINGS = "python:entrypoints.http.gunicorn_conf"
METRICS_TOKEN = "e2e-metrics-token-0123456789-0123456789"


def gunicorn(port: int, workers: int = 2) -> list[str]:
    """gunicorn as production starts it, from its settings module (worker class, threads,
    timeouts, limits), on 127.0.0.1. No control socket: gunicorn's default is one path per
    user, which two servers of one test run would share."""
    return [
        str(BIN / "gunicorn"),
        "wsgi:app",
        "-c",
        GUNICORN_SETTINGS,
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--no-control-socket",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class MailSink:
    messages: list[email.message.Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    lock: Lock = field(default_factory=Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.recipients.append(list(envelope.rcpt_tos))
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, to: str, pattern: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for message in reversed(self.messages):
                    if message["To"] == to:
                        body = message.get_payload(decode=True)
                        text = (
                            body.decode() if isinstance(body, bytes) else str(message.get_payload())
                        )
                        found = re.search(pattern, text)
                        if found:
                            return found.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no mail to {to} matching {pattern!r}")


class SmsSink:
    """The SMS webhook's far end: keeps every ``{"to", "body"}`` it is sent."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.lock = Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                with sink.lock:
                    sink.messages.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def wait_for_code(self, to: str, after: int = 0, timeout: float = 20) -> str:
        """The code in the first text to ``to`` beyond the first ``after`` ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                texts = [m["body"] for m in self.messages if m["to"] == to][after:]
            if texts:
                found = re.search(r"\b(\d{6})\b", texts[0])
                assert found, "a text without a code"
                return found.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no text to {to}")

    def count(self, to: str) -> int:
        with self.lock:
            return sum(1 for m in self.messages if m["to"] == to)


@pytest.fixture(scope="session")
def sms_sink() -> Iterator[SmsSink]:
    sink = SmsSink()
    thread = threading.Thread(target=sink.server.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.server.shutdown()


@pytest.fixture(scope="session")
def mail_sink() -> Iterator[MailSink]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port  # type: ignore[attr-defined]
    yield sink
    controller.stop()


def _fresh_database(postgres_url: str, name: str) -> str:
    url = make_url(postgres_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


@dataclass
class Stack:
    base_url: str
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]]
    log_dir: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the API process exited during start-up")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never became ready")


@pytest.fixture(scope="session")
def stack(
    postgres_url: str,
    redis_url: str,
    mail_sink: MailSink,
    sms_sink: SmsSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("e2e-logs")
    port = free_port()
    env = {
        **os.environ,
        "BASTION_ENV": "test",
        "BASTION_DATABASE_URL": _fresh_database(postgres_url, "bastion_e2e"),
        "BASTION_REDIS_URL": redis_url,
        "BASTION_SMTP_URL": f"smtp://127.0.0.1:{mail_sink.port}",  # type: ignore[attr-defined]
        "BASTION_SMS_WEBHOOK_URL": sms_sink.url,
        "BASTION_PUBLIC_URL": "https://bastion.example",
        "BASTION_BCRYPT_ROUNDS": "4",
        "BASTION_RATE_LIMIT_SCALE": "1000",
        "BASTION_INSTANCE_DIR": str(log_dir),
        "BASTION_METRICS_TOKEN": METRICS_TOKEN,
        **{f"BASTION_{k.upper()}": v for k, v in TEST_SECRETS.items()},
    }
    subprocess.run([str(BIN / "bastion"), "db", "upgrade"], env=env, cwd=ROOT, check=True)
    commands = {"api": gunicorn(port), "worker": [str(BIN / "bastion"), "worker"]}
    base_url = f"http://127.0.0.1:{port}"
    with running(commands, env, log_dir) as processes:
        wait_ready(f"{base_url}/readyz", processes["api"])
        yield Stack(base_url, env, processes, log_dir)


@contextmanager
def running(
    commands: dict[str, list[str]], env: dict[str, str], log_dir: Path
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Each command in its own process, logging to ``<name>.log``; terminated (killed after
    10 s) when the block ends."""
    processes = {
        name: subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=(log_dir / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for name, command in commands.items()
    }
    try:
        yield processes
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
