"""Re-queue exports whose job was lost (SECURITY 4.2, FI-03, FI-10).

RQ alone can lose a job: its worker was killed with the work-horse (the job stays
"started" until the registry's cleanup), the horse died on its last try (RQ gives up
without calling the failure callback), or Redis was flushed or restarted empty. The
database is the truth. An export still ``pending`` after ``pending_after`` (its job was
never queued, or was lost), or still ``processing`` after ``processing_after`` (longer
than a job may run, so no worker is still writing it), is looked up in the queue: a job
that waits or runs is left alone, one the queue gave up on fails the export
(``worker_lost``), and a missing one is queued again until the export has used its
attempts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from application.exports.fail_export import FailExport
from application.ports.ephemeral import Lock
from application.ports.messaging import ExportQueue, JobState
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import UnavailableError
from domain.exports import MAX_ATTEMPTS, Export, ExportStatus, FailureReason

log = logging.getLogger("bastion.exports")
BATCH = 1000


class ReconcileExports:
    def __init__(
        self,
        uow: UnitOfWork,
        queue: ExportQueue,
        fail: FailExport,
        lock: Lock,
        clock: Clock,
        pending_after: timedelta,
        processing_after: timedelta,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._fail = fail
        self._lock = lock
        self._clock = clock
        self._pending_after = pending_after
        self._processing_after = processing_after

    def __call__(self) -> int:
        """How many exports were queued again or given up."""
        acted = 0
        with self._lock.hold("reconcile-exports", ttl_seconds=300) as held:
            if not held:
                return 0
            now = self._clock.now()
            with self._uow as uow:
                stale = uow.exports.stale(
                    ExportStatus.PENDING, now - self._pending_after, BATCH
                ) + uow.exports.stale(ExportStatus.PROCESSING, now - self._processing_after, BATCH)
            try:
                acted = sum(self._settle(export) for export in stale)
            except UnavailableError:
                log.warning("export reconciliation paused: the queue is unreachable")
        if acted:
            log.info("exports reconciled", extra={"count": acted})
        return acted

    def _settle(self, export: Export) -> bool:
        state = self._queue.job_state(export.id)
        if state is JobState.WAITING:
            return False
        if state is JobState.GAVE_UP or export.attempts >= MAX_ATTEMPTS:
            self._fail(export.id, FailureReason.WORKER_LOST)
        else:
            self._queue.enqueue(export.id)
        return True
