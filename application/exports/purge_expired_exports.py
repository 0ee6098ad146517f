"""Delete export files past their expiry and mark the exports ``expired`` (a periodic job
and ``bastion exports purge``)."""

from __future__ import annotations

from application.ports.ephemeral import Lock
from application.ports.files import FileStore
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.events import EventDraft, EventType

BATCH = 200


class PurgeExpiredExports:
    """The file goes first, then the row changes: a crash in between leaves an export
    still ``complete`` but past its expiry, which downloads refuse (410) and the next run
    finishes. Runs under a lock so two workers never race over the same exports."""

    def __init__(self, uow: UnitOfWork, files: FileStore, lock: Lock, clock: Clock) -> None:
        self._uow = uow
        self._files = files
        self._lock = lock
        self._clock = clock

    def __call__(self) -> int:
        now = self._clock.now()
        expired = 0
        with self._lock.hold("purge-expired-exports", ttl_seconds=600) as held:
            if not held:
                return 0
            while True:
                with self._uow as uow:
                    due = uow.exports.due_to_expire(now, BATCH)
                for export in due:
                    for key in export.attempt_keys():
                        self._files.delete(key)
                    with self._uow as uow:
                        if uow.exports.expire(export.id, now):
                            uow.events.add(
                                EventDraft(
                                    type=EventType.EXPORT_EXPIRED,
                                    user_id=export.user_id,
                                    at=now,
                                    metadata={"export_id": str(export.id)},
                                )
                            )
                            expired += 1
                        uow.commit()
                if len(due) < BATCH:
                    return expired
