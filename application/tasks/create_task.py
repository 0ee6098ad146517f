"""``POST /tasks``: a new task for the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.ports.persistence import UnitOfWork
from application.ports.system import Clock, IdGenerator
from application.results import TaskView
from domain.ids import TaskId, UserId
from domain.tasks import Task


@dataclass(frozen=True, slots=True)
class CreateTaskCommand:
    user_id: UserId
    title: str
    description: str = ""
    completed: bool = False
    due_at: datetime | None = None


class CreateTask:
    def __init__(self, uow: UnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    def __call__(self, cmd: CreateTaskCommand) -> TaskView:
        now = self._clock.now()
        task = Task(
            id=TaskId(self._ids.new()),
            user_id=cmd.user_id,
            title=cmd.title,
            description=cmd.description,
            completed=cmd.completed,
            due_at=cmd.due_at,
            created_at=now,
            updated_at=now,
        )
        with self._uow as uow:
            uow.tasks.add(task)
            uow.commit()
        return TaskView.of(task)
