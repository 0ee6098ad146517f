"""``POST /me/exports``: record an export request and queue its job."""

from __future__ import annotations

import logging

from application.common.throttle import Rule, Throttle
from application.ports.messaging import ExportQueue
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock, IdGenerator
from application.results import ExportView
from domain.errors import NotFoundError, UnavailableError
from domain.events import EventDraft, EventType
from domain.exports import Export, ExportStatus
from domain.ids import ExportId, SessionId, UserId

log = logging.getLogger("bastion.exports")


class RequestExport:
    """One active export per user (``ExportInProgressError``, 409, decided by the
    database) and five started per account a day (``Rule.EXPORTS``, charged only once
    the export is in: a 409 costs nothing, a 429 leaves no row). The job is queued
    after the commit, so a worker never looks for a row that is not there yet; when the
    queue is away the request still stands as ``pending`` and the reconciler queues it
    later (SECURITY 4.2: "Export POST: row created, enqueue via outbox/reconciler,
    202")."""

    def __init__(
        self,
        uow: UnitOfWork,
        queue: ExportQueue,
        throttle: Throttle,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow
        self._throttle = throttle
        self._queue = queue
        self._clock = clock
        self._ids = ids

    def __call__(self, user_id: UserId, session_id: SessionId | None = None) -> ExportView:
        now = self._clock.now()
        export = Export(
            id=ExportId(self._ids.new()),
            user_id=user_id,
            status=ExportStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        with self._uow as uow:
            if uow.users.get(user_id) is None:
                raise NotFoundError()
            uow.exports.add(export)
            self._throttle.charge(Rule.EXPORTS, "", str(user_id))
            uow.events.add(
                EventDraft(
                    type=EventType.EXPORT_REQUESTED,
                    user_id=user_id,
                    session_id=session_id,
                    at=now,
                    metadata={"export_id": str(export.id)},
                )
            )
            uow.after_commit(lambda: self._enqueue(export.id))
            uow.commit()
        return ExportView.of(export)

    def _enqueue(self, export_id: ExportId) -> None:
        try:
            self._queue.enqueue(export_id)
        except UnavailableError:
            log.warning(
                "export queued later: the queue is unreachable", extra={"export_id": str(export_id)}
            )
