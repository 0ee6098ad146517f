"""``GET /tasks`` and ``GET /tasks/trash``: the caller's tasks and deleted tasks, a keyset
page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from application.common.paging import DEFAULT_LIMIT, Page, check_limit, decode_cursor, page_of
from application.ports.persistence import Keyset, UnitOfWork
from application.results import DeletedTaskView, TaskView
from domain.ids import UserId
from domain.tasks import DeletedTask, Task


@dataclass(frozen=True, slots=True)
class ListTasksCommand:
    user_id: UserId
    completed: bool | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class ListTrashCommand:
    user_id: UserId
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


class ListTasks:
    """Only the caller's tasks, whatever the cursor says: it holds a position, never whose
    list it is."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: ListTasksCommand) -> Page[TaskView]:
        limit = check_limit(cmd.limit)
        after = decode_cursor("tasks", cmd.cursor)
        with self._uow as uow:
            rows = uow.tasks.page(
                cmd.user_id, completed=cmd.completed, after=after, limit=limit + 1
            )
        return page_of("tasks", rows, limit, _created, TaskView.of)


class ListTrash:
    """The caller's deleted tasks, newest deletion first, expired ones too until purged."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: ListTrashCommand) -> Page[DeletedTaskView]:
        limit = check_limit(cmd.limit)
        after = decode_cursor("trash", cmd.cursor)
        with self._uow as uow:
            rows = uow.deleted_tasks.page(cmd.user_id, after=after, limit=limit + 1)
        return page_of("trash", rows, limit, _deleted, DeletedTaskView.of)


def _created(task: Task) -> Keyset:
    return Keyset(at=task.created_at, id=task.id)


def _deleted(deleted: DeletedTask) -> Keyset:
    return Keyset(at=deleted.deleted_at, id=deleted.id)
