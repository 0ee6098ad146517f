"""RQ's worker and scheduler, as ``bastion worker`` runs them, on a real Redis that goes
away and comes back: the worker takes jobs again and delayed jobs (retries with backoff)
move again within seconds."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from rq import Queue
from rq.job import JobStatus

from entrypoints.worker.rq_worker import SteadyScheduler, SteadyWorker
from tests.fixtures.redis import RedisServer

QUEUE = "exports"


@pytest.fixture
def scheduler(private_redis: RedisServer) -> Iterator[SteadyScheduler]:
    """Started in a forked process of its own, as the worker starts it."""
    scheduler = SteadyScheduler([QUEUE], connection=redis.Redis.from_url(private_redis.url))
    assert scheduler.acquire_locks(auto_start=True) == {QUEUE}
    yield scheduler
    process = scheduler._process
    if process is not None and process.is_alive() and process.pid is not None:
        os.kill(process.pid, signal.SIGTERM)
        process.join(timeout=10)


def test_the_scheduler_outlives_a_redis_outage_and_moves_a_delayed_job_within_seconds(
    scheduler: SteadyScheduler, private_redis: RedisServer
) -> None:
    time.sleep(1.5)  # a round or two with Redis up
    private_redis.stop()
    time.sleep(3)  # its rounds, one a second, meet the closed port
    private_redis.start()  # the same port, empty

    queue = Queue(QUEUE, connection=redis.Redis.from_url(private_redis.url))
    job = queue.enqueue_in(timedelta(seconds=1), "time.sleep", 0)
    deadline = time.monotonic() + 10
    while job.get_status() is not JobStatus.QUEUED and time.monotonic() < deadline:
        time.sleep(0.1)

    assert job.get_status() is JobStatus.QUEUED
    assert scheduler._process is not None
    assert scheduler._process.is_alive()


def test_an_idle_worker_rides_out_a_redis_outage_and_takes_the_next_job(
    private_redis: RedisServer,
) -> None:
    connection = redis.Redis.from_url(private_redis.url)
    queues = [Queue(QUEUE, connection=connection)]
    worker = SteadyWorker(queues, connection=connection, heartbeat=2)
    worker.register_birth()
    private_redis.stop()

    worker.check_for_suspension(burst=False)  # RQ's loop quits on the error these meet
    worker.run_maintenance_tasks()

    def come_back() -> None:
        private_redis.start()  # the same port, empty
        queue = Queue(QUEUE, connection=redis.Redis.from_url(private_redis.url))
        queue.enqueue("time.sleep", 0, job_id="after-the-outage")

    threading.Timer(2, come_back).start()
    started = time.monotonic()
    taken = worker.dequeue_job_and_maintain_ttl(timeout=10)

    assert taken is not None
    assert taken[0].id == "after-the-outage"
    assert time.monotonic() - started < 15


def test_jobs_of_in_process_queues_run_in_the_worker_and_the_others_in_a_horse(
    private_redis: RedisServer,
) -> None:
    connection = redis.Redis.from_url(private_redis.url)
    mail, export = Queue("default", connection=connection), Queue(QUEUE, connection=connection)
    in_worker = mail.enqueue("os.getpid", result_ttl=60)
    in_horse = export.enqueue("os.getpid", result_ttl=60)
    worker = SteadyWorker(
        [export, mail], connection=connection, heartbeat=2, in_process=frozenset({"default"})
    )

    worker.work(burst=True)

    assert in_worker.return_value() == os.getpid()
    assert in_horse.return_value() not in (None, os.getpid())
