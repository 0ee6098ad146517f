"""An export queue the test drains by hand, so it can look at every state in between; the
files every export archive holds."""

from __future__ import annotations

from collections.abc import Callable

from application.ports.messaging import ExportQueue, JobState
from domain.errors import UnavailableError
from domain.ids import ExportId

ARCHIVE_MEMBERS = frozenset(
    {
        "profile.json",
        "sessions.json",
        "events.json",
        "factors.json",
        "passkeys.json",
        "providers.json",
        "tasks.json",
        "deleted_tasks.json",
        "README.txt",
    }
)


class ManualExportQueue(ExportQueue):
    """``queued`` keeps every enqueue in order (duplicates too); ``run_all`` builds what
    waits. ``down = True`` makes it behave like an unreachable Redis."""

    def __init__(self, build: Callable[[ExportId], object]) -> None:
        self._build = build
        self.queued: list[ExportId] = []
        self.down = False

    def enqueue(self, export_id: ExportId) -> None:
        if self.down:
            raise UnavailableError()
        self.queued.append(export_id)

    def job_state(self, export_id: ExportId) -> JobState:
        if self.down:
            raise UnavailableError()
        return JobState.WAITING if export_id in self.queued else JobState.UNKNOWN

    def run_all(self) -> int:
        ran = 0
        while self.queued:
            self._build(self.queued.pop(0))
            ran += 1
        return ran
