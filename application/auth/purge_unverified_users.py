"""Delete accounts whose email was never verified within a week (a periodic job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.ephemeral import Lock
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock

UNVERIFIED_RETENTION = timedelta(days=7)
BATCH = 500


@dataclass(frozen=True, slots=True)
class PurgeUnverifiedUsersCommand:
    retention: timedelta = UNVERIFIED_RETENTION


class PurgeUnverifiedUsers:
    """Runs in batches under a lock, so two schedulers never race over the same rows."""

    def __init__(self, uow: UnitOfWork, lock: Lock, clock: Clock) -> None:
        self._uow = uow
        self._lock = lock
        self._clock = clock

    def __call__(self, cmd: PurgeUnverifiedUsersCommand) -> int:
        cutoff = self._clock.now() - cmd.retention
        deleted = 0
        with self._lock.hold("purge-unverified-users", ttl_seconds=600) as held:
            if not held:
                return 0
            while True:
                with self._uow as uow:
                    batch = uow.users.delete_unverified_created_before(cutoff, BATCH)
                    uow.commit()
                deleted += len(batch)
                if len(batch) < BATCH:
                    return deleted
