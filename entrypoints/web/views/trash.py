"""Deleted tasks: each with the day it can no longer be restored; restore it, or delete
it for good."""

from __future__ import annotations

from uuid import UUID

from flask.typing import ResponseReturnValue

from application.tasks.list_tasks import ListTrashCommand
from application.tasks.trash import TaskCommand
from domain.errors import InvalidCursorError
from domain.ids import TaskId
from entrypoints.http.api import container, current_request
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import done, render, signed_in, who

PAGE_SIZE = 20


@console.route("/tasks/trash", methods=["GET"])
@signed_in
def trash() -> ResponseReturnValue:
    return trash_page()


def trash_page(failed: Form | None = None) -> ResponseReturnValue:
    cursor = current_request().args.get("cursor") or None
    user_id = who().user_id
    listing = container().list_trash()
    try:
        page = listing(ListTrashCommand(user_id=user_id, cursor=cursor, limit=PAGE_SIZE))
    except InvalidCursorError:
        page = listing(ListTrashCommand(user_id=user_id, limit=PAGE_SIZE))
    return render(
        "trash.html",
        failed=failed,
        deleted=page.items,
        next_cursor=page.next_cursor,
        retention_days=container().settings().task_retention // 86_400,
    )


@console.route("/tasks/trash/<uuid:task_id>/restore", methods=["POST"])
@signed_in
def restore_task(task_id: UUID) -> ResponseReturnValue:
    form = Form(f"task_{task_id}")
    with form:
        container().restore_task()(TaskCommand(who().user_id, TaskId(task_id)))
        return done("console.trash", "task_restored")
    return trash_page(form)


@console.route("/tasks/trash/<uuid:task_id>/delete", methods=["POST"])
@signed_in
def delete_task_forever(task_id: UUID) -> ResponseReturnValue:
    form = Form(f"task_{task_id}")
    with form:
        container().delete_task_forever()(TaskCommand(who().user_id, TaskId(task_id)))
        return done("console.trash", "task_deleted")
    return trash_page(form)
