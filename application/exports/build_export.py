"""The export job (``BuildExport``): claim, write the ZIP, complete, mail (SECURITY GD-05).

Crash-safe and idempotent: the claim is a conditional update that counts an attempt;
each attempt writes its own file (``exports/<id>-<attempt>.zip``) through the file
store, which publishes it only once whole; completion is a conditional update that only
the newest attempt can make, and the mail goes out only after that commit. A worker
killed at any point therefore leaves at most an unfinished copy that no download can
reach, and the retry removes it, writes afresh and completes once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from application.exports.archive import ArchiveWriter
from application.exports.contents import ExportContents
from application.exports.fail_export import FailExport
from application.ports.files import FileStore
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.events import EventDraft, EventType
from domain.exports import MAX_ATTEMPTS, Export, FailureReason, file_key
from domain.ids import ExportId

log = logging.getLogger("bastion.exports")
CONTENT_TYPE = "application/zip"
Progress = Callable[[float, int], None]
"""Told the fraction of the archive written and the attempt writing it."""


class BuildExport:
    def __init__(
        self,
        uow: UnitOfWork,
        contents: ExportContents,
        files: FileStore,
        notifier: Notifier,
        fail: FailExport,
        clock: Clock,
        ttl: timedelta,
        progress: Progress | None = None,
    ) -> None:
        self._uow = uow
        self._contents = contents
        self._files = files
        self._notifier = notifier
        self._fail = fail
        self._clock = clock
        self._ttl = ttl
        self._progress = progress or _ignore

    def __call__(self, export_id: ExportId) -> bool:
        """True when this run completed the export. Errors propagate, so the queue
        retries; a run that finds the export done, failed or gone does nothing."""
        with self._uow as uow:
            export = uow.exports.claim(export_id, self._clock.now())
            uow.commit()
        if export is None:
            log.info("export job skipped: nothing to do", extra={"export_id": str(export_id)})
            return False
        if export.attempts > MAX_ATTEMPTS:
            self._fail(export_id, FailureReason.TOO_MANY_ATTEMPTS)
            return False
        for leftover in export.attempt_keys()[:-1]:
            self._files.delete(leftover)
        key = file_key(export.id, export.attempts)
        try:
            size = self._write(export, key)
        except OSError:
            if self._gone(export.id):  # the account was deleted meanwhile, files and all
                return False
            raise
        if size is None:
            return False
        return self._complete(export, key, size)

    def _gone(self, export_id: ExportId) -> bool:
        with self._uow as uow:
            return uow.exports.get(export_id) is None

    def _write(self, export: Export, key: str) -> int | None:
        with self._files.create(key, CONTENT_TYPE) as stream:
            start = stream.tell()
            with ArchiveWriter(stream) as archive:
                found = self._contents.write(
                    export.user_id, archive, lambda done: self._progress(done, export.attempts)
                )
            size = stream.tell() - start
        if not found:
            self._files.delete(key)
            return None
        return size

    def _complete(self, export: Export, key: str, size: int) -> bool:
        now = self._clock.now()
        expires_at = now + self._ttl
        with self._uow as uow:
            done = uow.exports.complete(export.id, export.attempts, key, size, now, expires_at)
            user = uow.users.get(export.user_id) if done else None
            if done and user is not None:
                uow.events.add(
                    EventDraft(
                        type=EventType.EXPORT_COMPLETED,
                        user_id=export.user_id,
                        at=now,
                        metadata={
                            "export_id": str(export.id),
                            "attempts": export.attempts,
                            "size_bytes": size,
                        },
                    )
                )
                notice = Notice(
                    kind=NoticeKind.EXPORT_READY,
                    to=user.email.value,
                    params={
                        "first_name": user.first_name.value,
                        "expires_at": expires_at.strftime("%Y-%m-%d %H:%M"),
                    },
                )
                uow.after_commit(lambda: self._notifier.send(notice))
            uow.commit()
        if not done:
            self._files.delete(key)
            log.info("export attempt superseded", extra={"export_id": str(export.id)})
        return done


def _ignore(_fraction: float, _attempt: int) -> None:
    return None
