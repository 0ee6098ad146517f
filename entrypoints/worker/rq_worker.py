"""RQ's worker and scheduler, made to ride out a Redis outage and to hand back a dead
worker's jobs within a few heartbeats.

RQ forks its scheduler (it moves delayed jobs, retries among them, onto their queues)
into a process that exits on the first Redis error, and restarts it only in the worker's
maintenance pass, every ten minutes by default: after an outage, retries waited that long.
RQ takes a job as abandoned once its worker's heartbeat has lapsed, but only that same
pass looks, and an idle worker reaches it only between blocking waits of ``worker_ttl -
15`` seconds (405 by default): a job whose worker was killed waited 10 to 17 minutes.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import redis
from rq import Queue, Worker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.job import Job
from rq.scheduler import RQScheduler
from rq.worker import WorkerStatus

MISSED_BEATS = 2
"""Beats a running job may miss before the started registry takes it as abandoned."""
BLOCKING_WAIT_MARGIN = 15
"""RQ blocks on the queues for ``worker_ttl`` less this."""
RECONNECT_CAP_SECONDS = 5.0
"""The longest a worker waits between tries while Redis is away (RQ's cap is a minute)."""
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError)


class SteadyScheduler(RQScheduler):
    """RQ's scheduler round (claim the locks, beat, move due jobs) every second; a round
    that meets a Redis error is logged and tried again a second later, so delayed jobs
    move again as soon as Redis answers. It stops with the worker that forked it: a
    worker killed outright (SIGKILL, the OOM killer) cannot stop it, and an orphan would
    keep the scheduler locks from the worker that replaces it."""

    _worker_pid = 0

    def start(self) -> Any:
        self._worker_pid = os.getpid()  # before the fork, so no early death goes unseen
        return super().start()

    def work(self) -> None:
        self._install_signal_handlers()
        worker = self._worker_pid or os.getppid()
        registered = failing = False
        while not self._stop_requested and os.getppid() == worker:
            try:
                if not registered:
                    self.register_birth()
                    registered = True
                self._round()
            except REDIS_ERRORS as error:
                if not failing:
                    self.log.warning("Scheduler: Redis unreachable, retrying: %s", error)
                registered, failing = False, True  # Redis may come back empty: register again
            else:
                if failing:
                    self.log.info("Scheduler: Redis is back")
                failing = False
            time.sleep(self.interval)
        with contextlib.suppress(*REDIS_ERRORS):
            self.stop()

    def _round(self) -> None:
        if self.should_reacquire_locks:
            self.acquire_locks()
        self.heartbeat()
        self.enqueue_scheduled_jobs()


class SteadyWorker(Worker):
    """RQ's worker with :class:`SteadyScheduler`, trying Redis again at least every few
    seconds while it is away. RQ's loop ends the worker on a Redis error met outside its
    wait for jobs (the check for ``rq suspend``, the maintenance pass, its own state);
    between jobs those are logged and tried again instead.

    It beats every ``heartbeat`` seconds, lets a running job's heartbeat lapse after
    :data:`MISSED_BEATS` missed beats, and runs RQ's maintenance pass (clean the
    registries, so a dead worker's job is retried or given up; restart a scheduler that
    died) at that interval while it waits for work, and before its next job when one ran
    longer. Not during a job: the pass may fail a job stuck between queue and registry
    through ``handle_job_failure``, which would drop the running job's own execution."""

    max_connection_wait_time = RECONNECT_CAP_SECONDS

    def __init__(
        self,
        queues: list[Queue],
        *,
        connection: redis.Redis,
        heartbeat: int,
        in_process: frozenset[str] = frozenset(),
        **options: Any,
    ) -> None:
        self._in_process = in_process
        super().__init__(
            queues,
            connection=connection,
            job_monitoring_interval=heartbeat,
            maintenance_interval=heartbeat,
            worker_ttl=heartbeat + BLOCKING_WAIT_MARGIN,
            **options,
        )

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Jobs of the ``in_process`` queues run in this process, as RQ's ``SimpleWorker``
        runs them (the job timeout still applies: SIGALRM); the others in a work horse
        forked for each. A horse builds its own container, about 60 ms of CPU: for a mail
        of a few milliseconds, a quarter of the password hash of the sign-up that sent it.
        Exports keep their horse: its memory goes back to the system after each, and a
        kill spares the worker."""
        if queue.name not in self._in_process:
            super().execute_job(job, queue)
            return
        self.prepare_execution(job)
        self.perform_job(job, queue)
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job: Job) -> int:
        """RQ's ``min(time the job has left, interval) + 60``, with the fixed minute of
        grace made :data:`MISSED_BEATS` beats. Nothing beats during an in-process job, so
        its heartbeat lasts its whole timeout."""
        interval = int(self.job_monitoring_interval)
        beat = interval
        if job.timeout and job.timeout > 0:
            left = int(job.timeout - self.current_job_working_time)
            beat = left if job.origin in self._in_process else min(left, interval)
            beat = max(0, beat)
        return beat + MISSED_BEATS * interval

    def check_for_suspension(self, burst: bool) -> None:
        try:
            super().check_for_suspension(burst)
        except REDIS_ERRORS as error:
            self._redis_away("the check for suspension", error)

    def run_maintenance_tasks(self) -> None:
        """Tried again at the next turn of the loop when Redis is away."""
        try:
            super().run_maintenance_tasks()
        except REDIS_ERRORS as error:
            self._redis_away("the maintenance pass", error)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        while True:
            try:
                return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except REDIS_ERRORS as error:
                self._redis_away("the wait for jobs", error)
                time.sleep(RECONNECT_CAP_SECONDS)

    def _redis_away(self, what: str, error: redis.RedisError) -> None:
        self.log.warning("Worker %s: %s met a Redis error: %s", self.name, what, error)

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        """RQ's start-up with :class:`SteadyScheduler`: it starts if this worker wins the
        scheduler locks; otherwise the maintenance pass tries again."""
        if burst:
            super()._start_scheduler(burst, logging_level, date_format, log_format)
            return
        self.scheduler = SteadyScheduler(
            self.queues,
            connection=self.connection,
            logging_level=self.log.level if logging_level is None else logging_level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks(auto_start=True)
