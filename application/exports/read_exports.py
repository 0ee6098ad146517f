"""``GET /me/exports``, ``/{id}`` and ``/{id}/download``: only the owner's exports."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.files import BlobStream, FileStore
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import ExportView
from domain.errors import ExportExpiredError, ExportNotReadyError, NotFoundError
from domain.events import EventDraft, EventType
from domain.exports import Export
from domain.ids import ExportId, SessionId, UserId

LIST_LIMIT = 50


class ListExports:
    """The newest 50: one active export at a time and expiry keep the list short."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, user_id: UserId) -> list[ExportView]:
        with self._uow as uow:
            return [ExportView.of(e) for e in uow.exports.list_for_user(user_id, LIST_LIMIT)]


class GetExport:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, user_id: UserId, export_id: ExportId) -> ExportView:
        with self._uow as uow:
            return ExportView.of(_owned(uow, user_id, export_id))


@dataclass(frozen=True, slots=True)
class ExportDownload:
    export: ExportView
    blob: BlobStream


class DownloadExport:
    """Only while complete and unexpired: before that 409 ``export_not_ready`` (a job
    still writing has published nothing), after it 410 ``export_expired`` even before
    the purge has run. Another user's id is 404. Records ``export.downloaded``."""

    def __init__(self, uow: UnitOfWork, files: FileStore, clock: Clock) -> None:
        self._uow = uow
        self._files = files
        self._clock = clock

    def __call__(
        self, user_id: UserId, export_id: ExportId, session_id: SessionId | None = None
    ) -> ExportDownload:
        now = self._clock.now()
        with self._uow as uow:
            export = _owned(uow, user_id, export_id)
            if export.gone(now):
                raise ExportExpiredError()
            if not export.downloadable(now) or export.file_key is None:
                raise ExportNotReadyError()
            blob = self._files.open_stream(export.file_key)
            if blob is None:
                raise ExportExpiredError()
            uow.events.add(
                EventDraft(
                    type=EventType.EXPORT_DOWNLOADED,
                    user_id=user_id,
                    session_id=session_id,
                    at=now,
                    metadata={"export_id": str(export_id)},
                )
            )
            try:
                uow.commit()
            except BaseException:
                blob.stream.close()
                raise
        return ExportDownload(ExportView.of(export), blob)


def _owned(uow: UnitOfWork, user_id: UserId, export_id: ExportId) -> Export:
    export = uow.exports.get_for_user(user_id, export_id)
    if export is None:
        raise NotFoundError()
    return export
