"""Soft delete, restore and delete for good. A deleted task moves to the trash under its
own id, in the same transaction that removes it, so it is never in both places or none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import TaskView
from domain.errors import NotFoundError
from domain.ids import TaskId, UserId


@dataclass(frozen=True, slots=True)
class TaskCommand:
    user_id: UserId
    task_id: TaskId


class DeleteTask:
    """Restorable for ``retention`` (``BASTION_TASK_RETENTION``), then purged."""

    def __init__(self, uow: UnitOfWork, clock: Clock, retention: timedelta) -> None:
        self._uow = uow
        self._clock = clock
        self._retention = retention

    def __call__(self, cmd: TaskCommand) -> None:
        with self._uow as uow:
            task = uow.tasks.get(cmd.user_id, cmd.task_id, for_update=True)
            if task is None:
                raise NotFoundError()
            uow.tasks.remove(cmd.user_id, cmd.task_id)
            uow.deleted_tasks.add(task.trash(cmd.user_id, self._clock.now(), self._retention))
            uow.commit()


class RestoreTask:
    """The same id and data as before deletion; 410 once the window has passed, even if
    the purge has not yet run (the window, not the sweep, is the promise)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def __call__(self, cmd: TaskCommand) -> TaskView:
        with self._uow as uow:
            deleted = uow.deleted_tasks.get(cmd.user_id, cmd.task_id)
            if deleted is None:
                raise NotFoundError()
            task = deleted.restore(self._clock.now())
            if not uow.deleted_tasks.remove(cmd.user_id, cmd.task_id):
                raise NotFoundError()
            uow.tasks.add(task)
            uow.commit()
        return TaskView.of(task)


class DeleteTaskForever:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: TaskCommand) -> None:
        with self._uow as uow:
            if not uow.deleted_tasks.remove(cmd.user_id, cmd.task_id):
                raise NotFoundError()
            uow.commit()
