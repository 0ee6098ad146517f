"""Bastion as production runs it: ``BASTION_ENV=production`` with fresh secrets, migrated
by ``bastion db upgrade``, gunicorn (production's settings module, so its worker class)
serving ``wsgi:app`` and one ``bastion worker`` on the same Redis; mail and SMS go to the
sinks.

One setting differs from a default production install, on purpose and reported: every
rate-limit bucket is scaled by ``Tuning.rate_limit_scale`` (all load comes from 127.0.0.1,
so per-address buckets would measure the limiter, not the service; the buckets are still
charged on every request). The bcrypt cost and the bcrypt slots per process are the
settings' own defaults unless a run says otherwise; the log level is production's INFO,
one JSON line per request, into a file; mail goes over plain SMTP to the local sink.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from entrypoints.settings import Settings
from suite.postgres import private_postgres
from suite.procs import ROOT, child, clean_env, free_port, wait_ready
from suite.redis_server import private_redis
from suite.sinks import Sinks, delivery_sinks
from suite.spread import Server

BIN = Path(sys.executable).parent
BCRYPT_ROUNDS: int = Settings.model_fields["bcrypt_rounds"].default
MAX_PASSWORD_CHECKS: int = Settings.model_fields["max_concurrent_password_checks"].default
PASSWORD_LINE: int = Settings.model_fields["password_checks_in_line"].default
GUNICORN_SETTINGS = "python:entrypoints.http.gunicorn_conf"  # as the Dockerfile starts it
API = "api"  # the gunicorn process's name, and its log's: ``api.log`` in the log directory


@dataclass(frozen=True)
class Gunicorn:
    """The serving shape shared by Bastion and the framework floor."""

    workers: int
    threads: int
    timeout: int = 30

    def argv(self, app: str, port: int) -> list[str]:
        """Without a control socket: gunicorn 27 opens one at ~/.gunicorn/gunicorn.ctl, one
        path for every gunicorn of the user (the floor, the API, a test run's). With
        ``--reuse-port`` each worker listens on its own socket and the kernel spreads new
        connections over them; on one shared socket a worker keeps every keep-alive
        connection it happened to accept (16/0 was seen), so one GIL served it all. The
        rest (the worker class, keep-alive, limits) comes from production's settings module."""
        return [
            str(BIN / "gunicorn"),
            app,
            "-c",
            GUNICORN_SETTINGS,
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--timeout",
            str(self.timeout),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--reuse-port",
        ]

    def describe(self) -> str:
        return (
            f"gunicorn gthread reading request heads in its loop, {self.workers} workers x "
            f"{self.threads} threads, SO_REUSEPORT (connections spread by the kernel)"
        )


@dataclass(frozen=True)
class Tuning:
    """The settings a run may change from production's defaults (and reports)."""

    rate_limit_scale: float
    password_checks: int = MAX_PASSWORD_CHECKS


@dataclass(frozen=True)
class Stack:
    base_url: str
    env: dict[str, str]
    api_pid: int
    worker_pid: int
    postgres_pid: int
    log_dir: Path
    sinks: Sinks

    @property
    def server(self) -> Server:
        return Server(self.base_url, self.api_pid)

    @property
    def api_log(self) -> Path:
        return self.log_dir / f"{API}.log"

    @property
    def roots(self) -> tuple[int, ...]:
        """The process trees of the bench: this process (every child it started) and
        PostgreSQL (which ``pg_ctl`` detached)."""
        return (os.getpid(), self.postgres_pid)


def production_stack(running: ExitStack, home: Path, serving: Gunicorn, tuning: Tuning) -> Stack:
    """Sinks, PostgreSQL, Redis, then Bastion; all stopped when ``running`` closes."""
    logs = home / "logs"
    sinks = running.enter_context(delivery_sinks(logs))
    postgres = running.enter_context(private_postgres())
    redis_url = running.enter_context(private_redis(home / "redis", logs))
    env = production_env(postgres.url, redis_url, sinks, home / "bastion", tuning)
    api, worker, base_url = running.enter_context(bastion(env, serving, logs))
    return Stack(base_url, env, api, worker, postgres.pid, logs, sinks)


def production_env(
    database_url: str, redis_url: str, sinks: Sinks, home: Path, tuning: Tuning
) -> dict[str, str]:
    return {
        **clean_env(),
        "BASTION_ENV": "production",
        "BASTION_DATABASE_URL": database_url.replace("postgresql://", "postgresql+psycopg://"),
        "BASTION_REDIS_URL": redis_url,
        "BASTION_JWT_SECRET": secrets.token_urlsafe(48),
        "BASTION_PASSWORD_PEPPER": secrets.token_urlsafe(48),
        "BASTION_IP_HASH_KEY": secrets.token_urlsafe(48),
        "BASTION_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "BASTION_BCRYPT_ROUNDS": str(BCRYPT_ROUNDS),
        "BASTION_SMTP_URL": sinks.smtp_url,
        "BASTION_SMS_WEBHOOK_URL": sinks.sms_url,
        "BASTION_INSTANCE_DIR": str(home),
        "BASTION_STORAGE_URL": f"file://{home / 'files'}",
        "BASTION_RATE_LIMIT_SCALE": str(tuning.rate_limit_scale),
        "BASTION_MAX_CONCURRENT_PASSWORD_CHECKS": str(tuning.password_checks),
        "BASTION_LOG_LEVEL": "INFO",
    }


@contextmanager
def bastion(
    env: dict[str, str], serving: Gunicorn, log_dir: Path
) -> Iterator[tuple[int, int, str]]:
    """Migrates, then runs the API and one worker until the block ends; yields their pids
    and the API's base URL."""
    subprocess.run(
        [str(BIN / "bastion"), "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    with ExitStack() as running:
        api = running.enter_context(child(API, serving.argv("wsgi:app", port), log_dir, env))
        worker = running.enter_context(
            child("worker", [str(BIN / "bastion"), "worker"], log_dir, env)
        )
        base_url = f"http://127.0.0.1:{port}"
        wait_ready(f"{base_url}/readyz", api)
        yield api.pid, worker.pid, base_url


@contextmanager
def floor_app(serving: Gunicorn, log_dir: Path) -> Iterator[Server]:
    """``bench/floor_app.py`` under the same gunicorn shape."""
    with _reference("floor", "floor_app:app", serving, log_dir, clean_env()) as server:
        yield server


@contextmanager
def ceiling_app(serving: Gunicorn, log_dir: Path, redis_url: str) -> Iterator[Server]:
    """``bench/ceiling_app.py`` under the same gunicorn shape, on Bastion's Redis."""
    env = {**clean_env(), "BASTION_REDIS_URL": redis_url}
    with _reference("ceiling", "ceiling_app:create()", serving, log_dir, env) as server:
        yield server


@contextmanager
def _reference(
    name: str, app: str, serving: Gunicorn, log_dir: Path, env: dict[str, str]
) -> Iterator[Server]:
    port = free_port()
    with child(name, serving.argv(app, port), log_dir, env, cwd=ROOT / "bench") as process:
        base_url = f"http://127.0.0.1:{port}"
        wait_ready(f"{base_url}/healthz", process)
        yield Server(base_url, process.pid)
