"""Tasks and their trash. Every statement names the owner, so another user's id matches
no row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Executable, delete, select
from sqlalchemy.orm import Session

from adapters.sqlalchemy.keyset import newest_first
from adapters.sqlalchemy.mapping import (
    deleted_task_from_row,
    deleted_task_to_row,
    task_from_row,
    task_to_row,
)
from adapters.sqlalchemy.reads import one_row
from adapters.sqlalchemy.rows import DeletedTaskRow, TaskRow
from application.ports.persistence import DeletedTaskRepository, Keyset, TaskRepository
from domain.ids import TaskId, UserId
from domain.tasks import DeletedTask, Task


class SqlTaskRepository(TaskRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, task: Task) -> None:
        self._session.add(task_to_row(task))
        self._session.flush()

    def get(self, user_id: UserId, task_id: TaskId, *, for_update: bool = False) -> Task | None:
        query = select(TaskRow).where(TaskRow.id == task_id, TaskRow.user_id == user_id)
        row = one_row(self._session, query, for_update=for_update)
        return task_from_row(row) if row else None

    def save(self, task: Task) -> None:
        self._session.merge(task_to_row(task))

    def remove(self, user_id: UserId, task_id: TaskId) -> bool:
        statement = delete(TaskRow).where(TaskRow.id == task_id, TaskRow.user_id == user_id)
        return _deleted_any(self._session, statement)

    def page(
        self,
        user_id: UserId,
        *,
        completed: bool | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[Task]:
        query = select(TaskRow).where(TaskRow.user_id == user_id)
        if completed is not None:
            query = query.where(TaskRow.completed == completed)
        query = newest_first(query, TaskRow.created_at, TaskRow.id, after, limit)
        return [task_from_row(row) for row in self._session.scalars(query)]


class SqlDeletedTaskRepository(DeletedTaskRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, deleted: DeletedTask) -> None:
        self._session.add(deleted_task_to_row(deleted))
        self._session.flush()

    def get(self, user_id: UserId, task_id: TaskId) -> DeletedTask | None:
        query = select(DeletedTaskRow).where(
            DeletedTaskRow.id == task_id, DeletedTaskRow.user_id == user_id
        )
        row = one_row(self._session, query, for_update=False)
        return deleted_task_from_row(row) if row else None

    def remove(self, user_id: UserId, task_id: TaskId) -> bool:
        statement = delete(DeletedTaskRow).where(
            DeletedTaskRow.id == task_id, DeletedTaskRow.user_id == user_id
        )
        return _deleted_any(self._session, statement)

    def page(
        self, user_id: UserId, *, after: Keyset | None = None, limit: int
    ) -> list[DeletedTask]:
        query = select(DeletedTaskRow).where(DeletedTaskRow.user_id == user_id)
        query = newest_first(query, DeletedTaskRow.deleted_at, DeletedTaskRow.id, after, limit)
        return [deleted_task_from_row(row) for row in self._session.scalars(query)]

    def delete_expired(self, before: datetime, limit: int) -> int:
        doomed = (
            select(DeletedTaskRow.id)
            .where(DeletedTaskRow.restorable_until < before)
            .order_by(DeletedTaskRow.restorable_until, DeletedTaskRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        ids = list(self._session.scalars(doomed))
        if ids:
            self._session.execute(
                delete(DeletedTaskRow).where(DeletedTaskRow.id.in_(ids)),
                execution_options={"synchronize_session": False},
            )
        return len(ids)


def _deleted_any(session: Session, statement: Executable) -> bool:
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        statement, execution_options={"synchronize_session": False}
    )
    return result.rowcount > 0
