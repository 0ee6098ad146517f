"""Export jobs on the RQ ``exports`` queue: the job id is ``export-<id>``, its only
argument the export id (SECURITY GD-04); retries with backoff, and a failure callback
that gives the export up once no retry is left."""

from __future__ import annotations

import time

import redis
import rq
from rq.job import Callback, Job, JobStatus
from rq.registry import StartedJobRegistry

from adapters.rq.queues import FAILED_JOB_TTL, RqQueues
from application.ports.messaging import ExportQueue, JobState
from domain.errors import UnavailableError
from domain.ids import ExportId

JOB = "entrypoints.worker.jobs.build_export"
ON_FAILURE = "entrypoints.worker.jobs.export_job_failed"
RETRY_INTERVALS = [10, 60, 300]
JOB_TIMEOUT = 1800
RECOVER_EVERY_SECONDS = 30.0
WAITING = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})


def job_id(export_id: ExportId) -> str:
    return f"export-{export_id.hex}"


class RqExportQueue(ExportQueue):
    def __init__(
        self,
        queues: RqQueues,
        retry_intervals: list[int] | None = None,
        timeout: int = JOB_TIMEOUT,
    ) -> None:
        self._queues = queues
        self._intervals = RETRY_INTERVALS if retry_intervals is None else retry_intervals
        self._timeout = timeout
        self._recovered_at = -RECOVER_EVERY_SECONDS

    def enqueue(self, export_id: ExportId) -> None:
        retry = (
            rq.Retry(max=len(self._intervals), interval=self._intervals)
            if self._intervals
            else None
        )
        try:
            self._queues.exports.enqueue_call(
                JOB,
                args=(str(export_id),),
                job_id=job_id(export_id),
                description="build_export",
                timeout=self._timeout,
                retry=retry,
                on_failure=Callback(ON_FAILURE),
                result_ttl=0,
                failure_ttl=FAILED_JOB_TTL,
            )
        except redis.RedisError as exc:
            raise UnavailableError("Exports cannot be queued right now.") from exc

    def job_state(self, export_id: ExportId) -> JobState:
        """Hands back to the queue, at most every half minute, the jobs whose worker died
        without a word (RQ's started registry cleanup: a retry, or the failure callback)."""
        queue = self._queues.exports
        try:
            self._recover_abandoned(queue)
            job = Job.fetch(job_id(export_id), connection=queue.connection)
            status = job.get_status(refresh=False)
        except rq.exceptions.NoSuchJobError:
            return JobState.UNKNOWN
        except redis.RedisError as exc:
            raise UnavailableError("The export queue is unreachable.") from exc
        if status in WAITING:
            return JobState.WAITING
        return JobState.GAVE_UP if status is JobStatus.FAILED else JobState.UNKNOWN

    def _recover_abandoned(self, queue: rq.Queue) -> None:
        now = time.monotonic()
        if now - self._recovered_at >= RECOVER_EVERY_SECONDS:
            self._recovered_at = now
            StartedJobRegistry(queue=queue).cleanup()
