"""The worker's clocks under the default settings: how long a job whose worker died (a
SIGKILL, a lost host) waits before RQ hands it back."""

from __future__ import annotations

import redis
from rq import Queue
from rq.job import Job

from adapters.rq.exports import JOB, JOB_TIMEOUT, RETRY_INTERVALS
from adapters.rq.notifier import JOB as MAIL_JOB
from adapters.rq.notifier import JOB_TIMEOUT as MAIL_TIMEOUT
from entrypoints.settings import Settings
from entrypoints.worker.rq_worker import SteadyWorker

SCHEDULER_ROUND_SECONDS = 1
A_FEW_MINUTES = 180


def _worker(heartbeat: int) -> SteadyWorker:
    connection = redis.Redis()  # never used: nothing here talks to Redis
    queues = [Queue("exports", connection=connection)]
    return SteadyWorker(queues, connection=connection, heartbeat=heartbeat, prepare_for_work=False)


def _export_job() -> Job:
    return Job.create(JOB, args=("an-export",), timeout=JOB_TIMEOUT, connection=redis.Redis())


def test_a_running_job_lapses_three_beats_after_its_workers_last_one() -> None:
    worker = _worker(heartbeat=2)
    assert worker.get_heartbeat_ttl(_export_job()) == 6
    worker.current_job_working_time = JOB_TIMEOUT - 1  # near its timeout, as in RQ
    assert worker.get_heartbeat_ttl(_export_job()) == 5


def test_with_the_defaults_a_dead_workers_export_is_retried_within_a_few_minutes() -> None:
    worker = _worker(Settings.model_fields["worker_heartbeat"].default)
    lapses = worker.get_heartbeat_ttl(_export_job())  # after the worker's last beat
    # An idle worker checks between blocking waits whether a maintenance interval has
    # passed since its last clean-up (a busy one could not run the retry anyway).
    cleaned = worker.maintenance_interval + worker.dequeue_timeout
    retried = RETRY_INTERVALS[0] + SCHEDULER_ROUND_SECONDS

    assert lapses + cleaned + retried <= A_FEW_MINUTES
    assert lapses >= 90  # as long as RQ's own grace: a slow beat does not start a twin


def test_an_in_process_jobs_heartbeat_lasts_its_whole_timeout() -> None:
    """Nothing beats while the worker runs a job itself: a mail that takes its full
    minute must not be taken for abandoned (and sent twice) after three beats."""
    connection = redis.Redis()
    queues = [Queue("default", connection=connection), Queue("exports", connection=connection)]
    worker = SteadyWorker(
        queues,
        connection=connection,
        heartbeat=2,
        in_process=frozenset({"default"}),
        prepare_for_work=False,
    )
    mail = Job.create(MAIL_JOB, args=("sealed",), timeout=MAIL_TIMEOUT, connection=connection)
    mail.origin = "default"
    export = _export_job()
    export.origin = "exports"

    assert worker.get_heartbeat_ttl(mail) == MAIL_TIMEOUT + 4
    assert worker.get_heartbeat_ttl(export) == 6
