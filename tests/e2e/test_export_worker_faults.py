"""Kill the RQ worker mid-export, or Redis under it, for real (SECURITY FI-09, FI-10,
GD-05).

Each test runs ``bastion worker`` processes on a private Redis and a fresh database, with
the export job told to pause half-way through its first attempt
(``BASTION_TEST_EXPORT_PAUSE_AT=0.5``); the request side is the app in this process.
Whatever is killed, the export ends complete exactly once (one file, one
``export.completed``, one mail, no unfinished copy) or, with no retry left, ``failed``
with a reason code; no half-written file is ever served. After a Redis outage the
worker's scheduler moves a retry within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import redis
from dependency_injector import providers
from flask.testing import FlaskClient
from rq import Worker

from adapters.rq.exports import RqExportQueue
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import BIN, ROOT, MailSink, _fresh_database
from tests.fixtures.redis import RedisServer
from tests.support.notifier import RecordingNotifier
from tests.support.settings import TEST_SECRETS
from tests.support.settings import test_settings as settings_for
from tests.support.zips import strict_zip

PASSWORD = "correct horse battery staple"
SCHEDULER_LOCK = "rq:scheduler-lock:exports"
ADDRESS = "ada@example.com"
CLEANUP = """
import sys, time, redis
from rq import Queue
from rq.registry import StartedJobRegistry
queue = Queue("exports", connection=redis.Redis.from_url(sys.argv[1]))
StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)
"""


@dataclass
class Rig:
    env: dict[str, str]
    files: Path
    client: FlaskClient
    container: Container
    log_dir: Path
    redis: RedisServer
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen(
            [str(BIN / "bastion"), "worker"], env=self.env, cwd=ROOT, stdout=log, stderr=log
        )
        self.workers.append(worker)
        return worker

    def call(self, method: str, path: str, token: str) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers)

    def status(self, token: str, export_id: str) -> dict[str, Any]:
        view: dict[str, Any] = self.call("GET", f"/me/exports/{export_id}", token).json
        return view

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 40) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        logs = "\n".join(p.read_text(errors="replace") for p in self.log_dir.glob("*.log"))
        raise AssertionError(f"timed out waiting for {what}\n{logs[-4000:]}")

    def export_files(self) -> list[str]:
        folder = self.files / "exports"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def events(self, token: str, kind: str) -> int:
        page = self.call("GET", f"/me/events?type={kind}&limit=100", token).json
        return len(page["items"])


@pytest.fixture
def rig(
    postgres_url: str, private_redis: RedisServer, mail_sink: MailSink, tmp_path: Path
) -> Iterator[Rig]:
    instance = tmp_path / "instance"
    database_url = _fresh_database(postgres_url, "bastion_export_faults")
    env = {
        **os.environ,
        "BASTION_ENV": "test",
        "BASTION_DATABASE_URL": database_url,
        "BASTION_REDIS_URL": private_redis.url,
        "BASTION_SMTP_URL": f"smtp://127.0.0.1:{mail_sink.port}",  # type: ignore[attr-defined]
        "BASTION_PUBLIC_URL": "https://bastion.example",
        "BASTION_BCRYPT_ROUNDS": "4",
        "BASTION_INSTANCE_DIR": str(instance),
        "BASTION_TEST_EXPORT_PAUSE_AT": "0.5",
        "BASTION_WORKER_HEARTBEAT": "2",
        **{f"BASTION_{k.upper()}": v for k, v in TEST_SECRETS.items()},
    }
    subprocess.run([str(BIN / "bastion"), "db", "upgrade"], env=env, cwd=ROOT, check=True)
    settings = settings_for(instance, database_url=database_url, redis_url=private_redis.url)
    container = build_container(settings, store="sql", ephemeral="redis")
    container.notifier.override(RecordingNotifier())
    app = create_app(settings, container)
    rig = Rig(env, settings.files_dir, app.test_client(), container, tmp_path, private_redis)
    try:
        yield rig
    finally:
        for worker in rig.workers:
            worker.kill()
            worker.wait(timeout=10)
        container.reset_singletons()


def _retrying(rig: Rig, intervals: list[int]) -> None:
    """Retries after ``intervals`` seconds (none: ``Retry(max=0)``), short for a test."""
    rig.container.export_queue.override(
        providers.Singleton(RqExportQueue, queues=rig.container.queues, retry_intervals=intervals)
    )


def _signed_in(rig: Rig) -> str:
    mail: RecordingNotifier = rig.container.notifier()
    body = {"email": ADDRESS, "password": PASSWORD, "first_name": "Ada", "last_name": "Byron"}
    assert rig.client.post("/api/v1/auth/register", json=body).status_code == 202
    code = mail.last_code(ADDRESS)
    verify = {"email": ADDRESS, "code": code}
    assert rig.client.post("/api/v1/auth/email/verify", json=verify).status_code == 200
    login = rig.client.post("/api/v1/auth/login", json={"email": ADDRESS, "password": PASSWORD})
    token: str = login.json["access_token"]
    return token


def _paused_export(rig: Rig, token: str) -> tuple[str, int]:
    """Request an export and wait until the first attempt sits half-written; returns the
    export id and the pid of the work-horse writing it."""
    worker = rig.workers[-1]
    requested = rig.call("POST", "/me/exports", token)
    assert requested.status_code == 202
    export_id: str = requested.json["id"]
    first = f"{UUID(export_id).hex}-1.zip."
    rig.wait_for(
        "the half-written first attempt",
        lambda: any(n.startswith(first) and n.endswith(".partial") for n in rig.export_files()),
    )
    return export_id, _work_horse(worker.pid)


def _work_horse(pid: int) -> int:
    """The worker's newest child: RQ forks the scheduler at start, a horse per job."""
    children = _children(pid)
    assert children, "the worker has no work-horse"
    return max(children, key=_start_time)


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _running(pid: int) -> bool:
    """Neither gone nor a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _idle(connection: redis.Redis) -> bool:
    return any(worker.get_state() == "idle" for worker in Worker.all(connection=connection))


def _start_time(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[19])


def _assert_completed_once(rig: Rig, token: str, export_id: str, mail_sink: MailSink) -> None:
    rig.wait_for("completion", lambda: rig.status(token, export_id)["status"] == "complete")
    assert rig.export_files() == [f"{UUID(export_id).hex}-2.zip"]
    assert rig.events(token, "export.completed") == 1
    mail_sink.wait_for(ADDRESS, r"(Your data export is ready|export of your account data)")
    time.sleep(1)
    with mail_sink.lock:
        ready = [m for m in mail_sink.messages if m["To"] == ADDRESS and "export" in m["Subject"]]
    assert len(ready) == 1
    download = rig.call("GET", f"/me/exports/{export_id}/download", token)
    assert download.status_code == 200
    assert download.data[:4] == b"PK\x03\x04"
    strict_zip(download.data).close()


def _reset(mail_sink: MailSink) -> None:
    with mail_sink.lock:
        mail_sink.messages.clear()
        mail_sink.recipients.clear()


def test_a_killed_work_horse_is_retried_and_the_export_completes_once(
    rig: Rig, mail_sink: MailSink
) -> None:
    _reset(mail_sink)
    _retrying(rig, [1])
    rig.start_worker()
    token = _signed_in(rig)
    export_id, horse = _paused_export(rig, token)
    not_ready = rig.call("GET", f"/me/exports/{export_id}/download", token)
    assert (not_ready.status_code, not_ready.json["code"]) == (409, "export_not_ready")

    os.kill(horse, signal.SIGKILL)

    _assert_completed_once(rig, token, export_id, mail_sink)
    assert rig.workers[0].poll() is None  # the worker itself lived on


def test_a_killed_worker_and_horse_leave_the_job_to_a_fresh_worker(
    rig: Rig, mail_sink: MailSink
) -> None:
    _reset(mail_sink)
    _retrying(rig, [1])
    first = rig.start_worker()
    token = _signed_in(rig)
    export_id, horse = _paused_export(rig, token)
    [scheduler] = [pid for pid in _children(first.pid) if pid != horse]

    os.kill(first.pid, signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    killed = time.monotonic()
    first.wait(timeout=10)
    rig.start_worker()
    assert rig.status(token, export_id)["status"] == "processing"
    # RQ still holds the job as started; once its heartbeat lapses (three beats of
    # BASTION_WORKER_HEARTBEAT) the fresh worker's registry clean-up finds it abandoned
    # and retries it.
    rig.wait_for(
        "the abandoned job's retry",
        lambda: rig.status(token, export_id)["status"] == "complete",
        timeout=30,
    )
    assert time.monotonic() - killed < 30
    _assert_completed_once(rig, token, export_id, mail_sink)
    assert not _running(scheduler)  # it stopped with its worker, leaving the locks free


def test_with_no_retry_left_a_lost_job_ends_the_export_failed_with_a_reason(
    rig: Rig, mail_sink: MailSink
) -> None:
    _retrying(rig, [])
    first = rig.start_worker()
    token = _signed_in(rig)
    export_id, horse = _paused_export(rig, token)

    os.kill(first.pid, signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    first.wait(timeout=10)
    subprocess.run(
        [sys.executable, "-c", CLEANUP, rig.env["BASTION_REDIS_URL"]],
        env=rig.env,
        cwd=ROOT,
        check=True,
    )

    view = rig.status(token, export_id)
    assert (view["status"], view["failure_reason"]) == ("failed", "worker_lost")
    assert rig.events(token, "export.failed") == 1
    assert rig.export_files() == []
    gone = rig.call("GET", f"/me/exports/{export_id}/download", token)
    assert gone.status_code == 409


def test_a_work_horse_killed_on_its_last_try_ends_the_export_failed(
    rig: Rig, mail_sink: MailSink
) -> None:
    _retrying(rig, [])
    rig.start_worker()
    token = _signed_in(rig)
    export_id, horse = _paused_export(rig, token)

    os.kill(horse, signal.SIGKILL)

    rig.wait_for("the export to fail", lambda: rig.status(token, export_id)["status"] == "failed")
    assert rig.status(token, export_id)["failure_reason"] == "worker_lost"
    assert rig.events(token, "export.failed") == 1
    assert rig.export_files() == []


def test_after_a_redis_outage_the_worker_runs_a_delayed_retry_within_seconds(
    rig: Rig, mail_sink: MailSink
) -> None:
    _reset(mail_sink)
    _retrying(rig, [1])
    worker = rig.start_worker()
    token = _signed_in(rig)
    connection = redis.Redis.from_url(rig.redis.url)
    rig.wait_for("the scheduler's lock", lambda: bool(connection.exists(SCHEDULER_LOCK)))
    rig.wait_for("the worker to wait for jobs", lambda: _idle(connection))

    rig.redis.stop()
    time.sleep(3)  # the scheduler talks to Redis every second: it meets the outage
    rig.redis.start()  # the same port, empty

    export_id, horse = _paused_export(rig, token)
    os.kill(horse, signal.SIGKILL)  # the retry waits a second in RQ's scheduled registry
    killed = time.monotonic()
    rig.wait_for(
        "the retry", lambda: rig.status(token, export_id)["status"] == "complete", timeout=15
    )
    assert time.monotonic() - killed < 15
    _assert_completed_once(rig, token, export_id, mail_sink)
    assert worker.poll() is None
