"""Hard-delete trashed tasks past their restore window (a periodic job and ``bastion tasks
purge``)."""

from __future__ import annotations

from application.ports.ephemeral import Lock
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock

BATCH = 500


class PurgeDeletedTasks:
    """Runs in batches (short transactions) under a lock, so two workers never race over
    the same rows; a worker that finds the lock taken skips its turn."""

    def __init__(self, uow: UnitOfWork, lock: Lock, clock: Clock) -> None:
        self._uow = uow
        self._lock = lock
        self._clock = clock

    def __call__(self) -> int:
        now = self._clock.now()
        deleted = 0
        with self._lock.hold("purge-deleted-tasks", ttl_seconds=600) as held:
            if not held:
                return 0
            while True:
                with self._uow as uow:
                    count = uow.deleted_tasks.delete_expired(now, BATCH)
                    uow.commit()
                deleted += count
                if count < BATCH:
                    return deleted
