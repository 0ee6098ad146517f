"""Queue notices for the worker instead of sending them in the request."""

from __future__ import annotations

from adapters.rq.queues import RqQueues
from adapters.rq.sealing import seal_notice
from application.ports.messaging import Notice, Notifier
from application.ports.security import SecretBox

JOB = "entrypoints.worker.jobs.deliver_notice"
RETRY_INTERVALS = [5, 15, 60, 300, 900]
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
        self._queues.enqueue_sealed(
            JOB, sealed, kind="notice", retry_intervals=RETRY_INTERVALS, timeout=JOB_TIMEOUT
        )
