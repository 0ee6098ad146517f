"""``GET`` and ``PATCH /tasks/{id}``: read or change one of the caller's own tasks."""

from __future__ import annotations

from dataclasses import dataclass, field

from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import TaskView
from domain.errors import NotFoundError
from domain.ids import TaskId, UserId
from domain.tasks import TaskChanges


@dataclass(frozen=True, slots=True)
class GetTaskCommand:
    user_id: UserId
    task_id: TaskId


@dataclass(frozen=True, slots=True)
class UpdateTaskCommand:
    user_id: UserId
    task_id: TaskId
    changes: TaskChanges = field(default_factory=TaskChanges)


class GetTask:
    """Another user's task reads as not found, never forbidden: ids reveal nothing."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: GetTaskCommand) -> TaskView:
        with self._uow as uow:
            task = uow.tasks.get(cmd.user_id, cmd.task_id)
        if task is None:
            raise NotFoundError()
        return TaskView.of(task)


class UpdateTask:
    """Change what the request names; another user's task is not found."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def __call__(self, cmd: UpdateTaskCommand) -> TaskView:
        with self._uow as uow:
            task = uow.tasks.get(cmd.user_id, cmd.task_id, for_update=True)
            if task is None:
                raise NotFoundError()
            task.edit(cmd.changes, self._clock.now())
            uow.tasks.save(task)
            uow.commit()
        return TaskView.of(task)
