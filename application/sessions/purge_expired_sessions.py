"""Delete sessions past their absolute expiry (a periodic job and ``bastion sessions purge``).

An expired session can no longer be refreshed or pass the access check, so its row only
grows the table. Revoked sessions go too once their original expiry passes; until then
they still tell the trust score which devices and networks the user had before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.ephemeral import Lock
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock

BATCH = 500


@dataclass(frozen=True, slots=True)
class PurgeExpiredSessionsCommand:
    retention: timedelta = timedelta(0)
    """How long past its expiry a session row is kept."""


class PurgeExpiredSessions:
    """Runs in batches (short transactions) under a lock, so two schedulers never race
    over the same rows; a scheduler that finds the lock taken skips its turn."""

    def __init__(self, uow: UnitOfWork, lock: Lock, clock: Clock) -> None:
        self._uow = uow
        self._lock = lock
        self._clock = clock

    def __call__(self, cmd: PurgeExpiredSessionsCommand) -> int:
        cutoff = self._clock.now() - cmd.retention
        deleted = 0
        with self._lock.hold("purge-expired-sessions", ttl_seconds=600) as held:
            if not held:
                return 0
            while True:
                with self._uow as uow:
                    count = uow.sessions.delete_expired(cutoff, BATCH)
                    uow.commit()
                deleted += count
                if count < BATCH:
                    return deleted
