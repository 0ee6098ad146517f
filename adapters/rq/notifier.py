"""Queue notices for the worker instead of sending them in the request."""

from __future__ import annotations

import os

import redis
import rq

from adapters.rq.queues import RqQueues
from adapters.rq.sealing import seal_notice
from application.ports.messaging import Notice, Notifier
from application.ports.security import SecretBox
from domain.errors import UnavailableError

JOB = "entrypoints.worker.jobs.deliver_notice"
RETRY_INTERVALS = [5, 15, 60, 300, 900]
FAILED_JOB_TTL = 86_400
JOB_TIMEOUT = 60


class QueuedNotifier(Notifier):
    """One sealed argument per job (the job opens it with ``open_notice``), retried with
    backoff for about 20 minutes; results are not kept and failures stay a day. Job ids are
    random (``notice-<32 hex>``), so they say nothing about the user or the notice.

    Redis being unreachable surfaces as ``UnavailableError`` (a 503), not as a crash.
    """

    def __init__(self, queues: RqQueues, box: SecretBox) -> None:
        self._queues = queues
        self._box = box

    def send(self, notice: Notice) -> None:
        sealed = seal_notice(self._box, notice)
        try:
            self._queues.default.enqueue_call(
                JOB,
                args=(sealed,),
                job_id=new_job_id(),
                description="deliver_notice",
                timeout=JOB_TIMEOUT,
                retry=rq.Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                result_ttl=0,
                failure_ttl=FAILED_JOB_TTL,
            )
        except redis.RedisError as exc:
            raise UnavailableError("Mail cannot be queued right now; retry shortly.") from exc


def new_job_id() -> str:
    return f"notice-{os.urandom(16).hex()}"
