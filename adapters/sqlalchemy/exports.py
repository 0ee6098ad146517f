"""Export requests. Each status change is one conditional ``UPDATE ... RETURNING``, so
of two workers (or a worker and the reconciler) exactly one sees its change apply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.sqlalchemy.errors import violates
from adapters.sqlalchemy.mapping import export_from_row, export_to_row
from adapters.sqlalchemy.reads import one_row
from adapters.sqlalchemy.rows import ExportRow
from application.ports.persistence import ExportRepository
from domain.errors import ExportInProgressError
from domain.exports import ACTIVE, Export, ExportStatus, FailureReason
from domain.ids import ExportId, UserId

_ACTIVE = [status.value for status in ACTIVE]


class SqlExportRepository(ExportRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, export: Export) -> None:
        try:
            with self._session.begin_nested():
                self._session.add(export_to_row(export))
        except IntegrityError as exc:
            if violates(exc, "ux_exports_user_active") or violates(exc, "exports.user_id"):
                raise ExportInProgressError() from exc
            raise

    def get(self, export_id: ExportId) -> Export | None:
        row = one_row(
            self._session, select(ExportRow).where(ExportRow.id == export_id), for_update=False
        )
        return export_from_row(row) if row else None

    def get_for_user(self, user_id: UserId, export_id: ExportId) -> Export | None:
        query = select(ExportRow).where(ExportRow.id == export_id, ExportRow.user_id == user_id)
        row = one_row(self._session, query, for_update=False)
        return export_from_row(row) if row else None

    def list_for_user(self, user_id: UserId, limit: int) -> list[Export]:
        query = (
            select(ExportRow)
            .where(ExportRow.user_id == user_id)
            .order_by(ExportRow.created_at.desc(), ExportRow.id.desc())
            .limit(limit)
        )
        return [export_from_row(row) for row in self._session.scalars(query)]

    def claim(self, export_id: ExportId, at: datetime) -> Export | None:
        return self._change(
            export_id,
            ExportRow.status.in_(_ACTIVE),
            status=ExportStatus.PROCESSING.value,
            attempts=ExportRow.attempts + 1,
            updated_at=at,
        )

    def complete(
        self,
        export_id: ExportId,
        attempt: int,
        key: str,
        size_bytes: int,
        at: datetime,
        expires_at: datetime,
    ) -> bool:
        changed = self._change(
            export_id,
            (ExportRow.status == ExportStatus.PROCESSING.value) & (ExportRow.attempts == attempt),
            status=ExportStatus.COMPLETE.value,
            file_key=key,
            size_bytes=size_bytes,
            completed_at=at,
            expires_at=expires_at,
            updated_at=at,
        )
        return changed is not None

    def fail(self, export_id: ExportId, reason: FailureReason, at: datetime) -> Export | None:
        return self._change(
            export_id,
            ExportRow.status.in_(_ACTIVE),
            status=ExportStatus.FAILED.value,
            failure_reason=reason.value,
            updated_at=at,
        )

    def expire(self, export_id: ExportId, at: datetime) -> bool:
        changed = self._change(
            export_id,
            ExportRow.status == ExportStatus.COMPLETE.value,
            status=ExportStatus.EXPIRED.value,
            file_key=None,
            updated_at=at,
        )
        return changed is not None

    def due_to_expire(self, at: datetime, limit: int) -> list[Export]:
        query = (
            select(ExportRow)
            .where(ExportRow.status == ExportStatus.COMPLETE.value, ExportRow.expires_at <= at)
            .order_by(ExportRow.expires_at, ExportRow.id)
            .limit(limit)
        )
        return [export_from_row(row) for row in self._session.scalars(query)]

    def stale(self, status: ExportStatus, before: datetime, limit: int) -> list[Export]:
        query = (
            select(ExportRow)
            .where(ExportRow.status == status.value, ExportRow.updated_at < before)
            .order_by(ExportRow.updated_at, ExportRow.id)
            .limit(limit)
        )
        return [export_from_row(row) for row in self._session.scalars(query)]

    def file_keys_for_user(self, user_id: UserId) -> list[str]:
        query = select(ExportRow).where(ExportRow.user_id == user_id)
        keys: list[str] = []
        for row in self._session.scalars(query):
            keys.extend(export_from_row(row).attempt_keys())
        return keys

    def _change(
        self, export_id: ExportId, condition: ColumnElement[bool], **values: Any
    ) -> Export | None:
        statement = (
            update(ExportRow)
            .where(ExportRow.id == export_id, condition)
            .values(**values)
            .returning(ExportRow)
        )
        row = self._session.scalars(
            statement, execution_options={"synchronize_session": False, "populate_existing": True}
        ).one_or_none()
        return export_from_row(row) if row else None
