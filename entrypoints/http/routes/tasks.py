"""``/api/v1/tasks``: the signed-in user's tasks, with a trash to restore from."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.common.paging import Page
from application.results import DeletedTaskView, TaskView
from application.tasks.create_task import CreateTaskCommand
from application.tasks.edit_task import GetTaskCommand, UpdateTaskCommand
from application.tasks.list_tasks import ListTasksCommand, ListTrashCommand
from application.tasks.trash import TaskCommand
from domain.ids import TaskId
from domain.tasks import TaskChanges
from entrypoints.http.api import ApiBlueprint, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.schemas.paging import PageQuery
from entrypoints.http.schemas.tasks import (
    TaskCreateRequest,
    TaskPageResponse,
    TaskResponse,
    TasksQuery,
    TaskUpdateRequest,
    TrashPageResponse,
)

blp = ApiBlueprint(
    "tasks", __name__, url_prefix="/api/v1/tasks", description="Tasks of the signed-in user"
)


@blp.route("", methods=["GET"])
@authenticated
@blp.arguments(TasksQuery, location="query")
@blp.response(200, TaskPageResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 422)
def list_tasks(query: dict[str, Any]) -> Page[TaskView]:
    """List the own tasks.

    Newest first, optionally only `completed=true` or `false`. Keyset-paginated: pass
    `next_cursor` back as `cursor` until it is null."""
    command = ListTasksCommand(user_id=principal().user_id, **query)
    return container().list_tasks()(command)


@blp.route("", methods=["POST"])
@authenticated
@blp.arguments(TaskCreateRequest)
@blp.response(201, TaskResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 415, 422)
def create_task(body: dict[str, Any]) -> TaskView:
    """Create a task (title 1..200 characters, description up to 10 000)."""
    return container().create_task()(CreateTaskCommand(user_id=principal().user_id, **body))


@blp.route("/<uuid:task_id>", methods=["GET"])
@authenticated
@blp.response(200, TaskResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 404)
def get_task(task_id: UUID) -> TaskView:
    """Read one task. Another user's task answers 404, never 403."""
    return container().get_task()(GetTaskCommand(principal().user_id, TaskId(task_id)))


@blp.route("/<uuid:task_id>", methods=["PATCH"])
@authenticated
@blp.arguments(TaskUpdateRequest)
@blp.response(200, TaskResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 404, 415, 422)
def update_task(body: dict[str, Any], task_id: UUID) -> TaskView:
    """Change any subset of the fields; `due_at: null` removes the due date."""
    changes = TaskChanges(**body, clear_due_at="due_at" in body and body["due_at"] is None)
    command = UpdateTaskCommand(principal().user_id, TaskId(task_id), changes)
    return container().update_task()(command)


@blp.route("/<uuid:task_id>", methods=["DELETE"])
@authenticated
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 401, 404)
def delete_task(task_id: UUID) -> None:
    """Move a task to the trash.

    It stays restorable, under the same id, for `BASTION_TASK_RETENTION` (30 days by
    default); then the hourly purge deletes it for good."""
    container().delete_task()(TaskCommand(principal().user_id, TaskId(task_id)))


@blp.route("/trash", methods=["GET"])
@authenticated
@blp.arguments(PageQuery, location="query")
@blp.response(200, TrashPageResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 422)
def list_trash(query: dict[str, Any]) -> Page[DeletedTaskView]:
    """List the own deleted tasks, newest deletion first, with `restorable_until`."""
    return container().list_trash()(ListTrashCommand(user_id=principal().user_id, **query))


@blp.route("/trash/<uuid:task_id>/restore", methods=["POST"])
@authenticated
@blp.response(200, TaskResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 404, 410)
def restore_task(task_id: UUID) -> TaskView:
    """Put a deleted task back, with the same id and data.

    After `restorable_until` it answers 410 `restore_expired`."""
    return container().restore_task()(TaskCommand(principal().user_id, TaskId(task_id)))


@blp.route("/trash/<uuid:task_id>", methods=["DELETE"])
@authenticated
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 401, 404)
def delete_task_forever(task_id: UUID) -> None:
    """Delete a task in the trash for good."""
    container().delete_task_forever()(TaskCommand(principal().user_id, TaskId(task_id)))
