"""The export queue on real Redis and PostgreSQL: what a job carries, a flushed Redis
(SECURITY FI-03, GD-04), and the in-process queue of the embedded default."""

from __future__ import annotations

import errno
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import redis
from rq.job import Job

from adapters.notify.background import ThreadedExportQueue
from adapters.rq.exports import job_id
from application.ports.messaging import JobState
from domain.ids import ExportId
from entrypoints.exports import export_builder, export_giver_up
from tests.fixtures.redis import RedisServer
from tests.integration.test_outages import Bastion
from tests.support.clock import ManualClock


def _export(bastion: Bastion, email: str = "ada@example.com") -> tuple[str, ExportId]:
    token: str = bastion.signed_in(email)["access_token"]
    requested = bastion.call("POST", "/me/exports", token)
    assert requested.status_code == 202, requested.json
    return token, ExportId(UUID(requested.json["id"]))


def test_a_job_carries_the_export_id_and_nothing_else(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    bastion = on_postgres(private_redis.url)
    _, export_id = _export(bastion)

    connection = redis.Redis.from_url(private_redis.url)
    job = Job.fetch(job_id(export_id), connection=connection)
    assert job.func_name == "entrypoints.worker.jobs.build_export"
    assert job.args == (str(export_id),)
    assert job.kwargs == {}
    assert job.origin == "exports"
    assert b"ada@example.com" not in connection.hget(f"rq:job:{job.id}", "data")  # type: ignore[operator]


def test_after_redis_is_flushed_the_reconciler_queues_the_lost_export_once(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    bastion = on_postgres(private_redis.url)
    token, export_id = _export(bastion)
    queue = bastion.container.export_queue()
    assert queue.job_state(export_id) is JobState.WAITING

    redis.Redis.from_url(private_redis.url).flushall()
    assert queue.job_state(export_id) is JobState.UNKNOWN
    bastion.container.clock.override(ManualClock(datetime.now(UTC) + timedelta(minutes=3)))
    reconcile = bastion.container.reconcile_exports()
    assert reconcile() == 1
    assert queue.job_state(export_id) is JobState.WAITING
    assert reconcile() == 0

    assert bastion.container.build_export()(export_id) is True
    view = bastion.call("GET", f"/me/exports/{export_id}", token).json
    assert view["status"] == "complete"


def test_with_redis_down_the_request_stands_as_pending(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    bastion = on_postgres(private_redis.url)
    token: str = bastion.signed_in("ada@example.com")["access_token"]
    private_redis.stop()

    requested = bastion.call("POST", "/me/exports", token)
    assert requested.status_code == 202
    assert requested.json["status"] == "pending"


def test_the_in_process_queue_builds_exports_and_gives_up_after_its_retries(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    bastion = on_postgres(private_redis.url)
    container = bastion.container
    threaded = ThreadedExportQueue(
        export_builder(container), export_giver_up(container), retries=1, backoff=0.01
    )
    container.export_queue.override(threaded)
    token, export_id = _export(bastion)
    assert threaded.flush(timeout=20)
    assert bastion.call("GET", f"/me/exports/{export_id}", token).json["status"] == "complete"

    files = container.files()

    def full_disk(*_: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "create", full_disk)
    token, failing = _export(bastion, "bea@example.com")
    assert threaded.flush(timeout=20)
    view = bastion.call("GET", f"/me/exports/{failing}", token).json
    assert (view["status"], view["failure_reason"]) == ("failed", "storage_full")
    assert threaded.job_state(failing) is JobState.UNKNOWN
