"""Re-queue exports whose job was lost (SECURITY 4.2, FI-03, FI-10).

RQ alone can lose a job: its worker was killed with the work-horse (the job stays
"started" until the registry's cleanup), or Redis was flushed or restarted empty. The
database is the truth: an export still ``pending`` or ``processing`` that nobody touched
for ``stale_after`` and that the queue does not know as waiting or running is queued
again, or failed once it used up its attempts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from application.exports.fail_export import FailExport
from application.ports.ephemeral import Lock
from application.ports.messaging import ExportQueue
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import UnavailableError
from domain.exports import MAX_ATTEMPTS, FailureReason

log = logging.getLogger("bastion.exports")
BATCH = 100


class ReconcileExports:
    def __init__(
        self,
        uow: UnitOfWork,
        queue: ExportQueue,
        fail: FailExport,
        lock: Lock,
        clock: Clock,
        stale_after: timedelta,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._fail = fail
        self._lock = lock
        self._clock = clock
        self._stale_after = stale_after

    def __call__(self) -> int:
        """How many exports were queued again or given up."""
        acted = 0
        with self._lock.hold("reconcile-exports", ttl_seconds=300) as held:
            if not held:
                return 0
            with self._uow as uow:
                stale = uow.exports.stale(self._clock.now() - self._stale_after, BATCH)
            for export in stale:
                try:
                    if self._queue.is_queued(export.id):
                        continue
                    if export.attempts >= MAX_ATTEMPTS:
                        self._fail(export.id, FailureReason.WORKER_LOST)
                    else:
                        self._queue.enqueue(export.id)
                except UnavailableError:
                    log.warning("export reconciliation paused: the queue is unreachable")
                    return acted
                acted += 1
        if acted:
            log.info("exports reconciled", extra={"count": acted})
        return acted
