"""Data exports ("download my data"): a request a worker turns into one ZIP file.

The status moves ``pending → processing → complete → expired``, or ends ``failed``. A
worker claims an export by counting an attempt; each attempt writes its own file, and
only the newest attempt may complete, so a worker killed half-way (or a slow one that
lost its claim) can never publish a file or complete twice. The transitions below are
the rules; the SQL repository applies the same conditions in one ``UPDATE ... WHERE``
so that concurrent workers agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.ids import ExportId, UserId

MAX_ATTEMPTS = 5
"""Claims allowed before an export is given up as ``failed`` (``too_many_attempts``),
whatever the queue's own retry count: a job that kills its worker every time stops."""


class ExportStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETE = "complete"
    FAILED = "failed"
    EXPIRED = "expired"


ACTIVE = frozenset({ExportStatus.PENDING, ExportStatus.PROCESSING})
"""At most one export per user is active (a partial unique index in SQL)."""


class FailureReason(StrEnum):
    STORAGE_FULL = "storage_full"
    STORAGE_ERROR = "storage_error"
    WORKER_LOST = "worker_lost"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    INTERNAL_ERROR = "internal_error"


def file_key(export_id: ExportId, attempt: int) -> str:
    """Where attempt ``attempt`` writes its ZIP; a file-store key (``exports/...zip``)."""
    return f"exports/{export_id.hex}-{attempt}.zip"


@dataclass(frozen=True, slots=True, kw_only=True)
class Export:
    id: ExportId
    user_id: UserId
    status: ExportStatus
    created_at: datetime
    updated_at: datetime
    attempts: int = 0
    file_key: str | None = None
    size_bytes: int | None = None
    completed_at: datetime | None = None
    expires_at: datetime | None = None
    failure_reason: FailureReason | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def downloadable(self, at: datetime) -> bool:
        return (
            self.status is ExportStatus.COMPLETE
            and self.file_key is not None
            and self.expires_at is not None
            and at < self.expires_at
        )

    def gone(self, at: datetime) -> bool:
        """Expired, or complete but past its expiry and waiting for the purge."""
        return self.status is ExportStatus.EXPIRED or (
            self.status is ExportStatus.COMPLETE
            and (self.expires_at is None or at >= self.expires_at)
        )

    def claimed(self, at: datetime) -> Export | None:
        """Taken by a worker for one more attempt; None unless pending or processing (a
        processing export is claimed again when its worker died)."""
        if not self.active:
            return None
        return replace(
            self, status=ExportStatus.PROCESSING, attempts=self.attempts + 1, updated_at=at
        )

    def completed(
        self, attempt: int, key: str, size_bytes: int, at: datetime, expires_at: datetime
    ) -> Export | None:
        """Done by ``attempt``; None unless that attempt is still the newest claim."""
        if self.status is not ExportStatus.PROCESSING or self.attempts != attempt:
            return None
        return replace(
            self,
            status=ExportStatus.COMPLETE,
            file_key=key,
            size_bytes=size_bytes,
            completed_at=at,
            expires_at=expires_at,
            updated_at=at,
        )

    def failed(self, reason: FailureReason, at: datetime) -> Export | None:
        """Given up; None unless still active."""
        if not self.active:
            return None
        return replace(self, status=ExportStatus.FAILED, failure_reason=reason, updated_at=at)

    def expired(self, at: datetime) -> Export | None:
        """Its file deleted; None unless complete."""
        if self.status is not ExportStatus.COMPLETE:
            return None
        return replace(self, status=ExportStatus.EXPIRED, file_key=None, updated_at=at)

    def attempt_keys(self) -> list[str]:
        """Every file an attempt so far may have written (or half-written)."""
        return [file_key(self.id, attempt) for attempt in range(1, self.attempts + 1)]
