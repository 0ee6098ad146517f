"""Give an export up as ``failed`` with a reason code, once, and remove whatever its
attempts wrote."""

from __future__ import annotations

import errno

from application.ports.files import FileStore
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.events import EventDraft, EventType
from domain.exports import FailureReason
from domain.ids import ExportId


class FailExport:
    """Called when the queue has no retry left: by the job's failure callback on RQ (an
    error, or a job abandoned by a dead worker), by the in-process runner, and by the
    reconciler. Only an active export changes, so a second call records nothing."""

    def __init__(self, uow: UnitOfWork, files: FileStore, clock: Clock) -> None:
        self._uow = uow
        self._files = files
        self._clock = clock

    def __call__(self, export_id: ExportId, reason: FailureReason) -> bool:
        now = self._clock.now()
        with self._uow as uow:
            failed = uow.exports.fail(export_id, reason, now)
            if failed is None:
                return False
            uow.events.add(
                EventDraft(
                    type=EventType.EXPORT_FAILED,
                    user_id=failed.user_id,
                    at=now,
                    metadata={
                        "export_id": str(export_id),
                        "reason": reason.value,
                        "attempts": failed.attempts,
                    },
                )
            )
            uow.commit()
        for key in failed.attempt_keys():
            self._files.delete(key)
        return True


def reason_for(error: BaseException) -> FailureReason:
    """The reason code a client may see: the kind of failure, never its message."""
    if isinstance(error, OSError):
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return FailureReason.STORAGE_FULL
        return FailureReason.STORAGE_ERROR
    return FailureReason.INTERNAL_ERROR
