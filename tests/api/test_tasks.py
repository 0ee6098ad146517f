"""``/api/v1/tasks``: CRUD, isolation, keyset pages, soft delete, restore and purge."""

from __future__ import annotations

from typing import Any

import pytest

from application.tasks import purge_deleted_tasks
from tests.api.conftest import Bastion

DAY = 86_400


def _token(bastion: Bastion, email: str = "ada@example.com") -> str:
    token: str = bastion.signed_in(email)["access_token"]
    return token


def _create(bastion: Bastion, token: str, **body: Any) -> dict[str, Any]:
    response = bastion.call("POST", "/tasks", token, json={"title": "Water the fern", **body})
    assert response.status_code == 201, response.json
    created: dict[str, Any] = response.json
    return created


def test_a_task_is_created_read_changed_and_listed(bastion: Bastion) -> None:
    token = _token(bastion)
    task = _create(bastion, token, description="twice", due_at="2026-03-05T10:00:00+02:00")
    assert task["completed"] is False
    assert task["due_at"] == "2026-03-05T08:00:00Z"

    bastion.clock.advance(minutes=1)
    patched = bastion.call(
        "PATCH", f"/tasks/{task['id']}", token, json={"completed": True, "due_at": None}
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["completed"] is True
    assert patched.json["due_at"] is None
    assert patched.json["description"] == "twice"
    assert patched.json["updated_at"] > task["updated_at"]

    assert bastion.call("GET", f"/tasks/{task['id']}", token).json == patched.json
    assert bastion.call("GET", "/tasks", token).json == {
        "items": [patched.json],
        "next_cursor": None,
    }


def test_another_users_task_is_not_found_everywhere(bastion: Bastion) -> None:
    task = _create(bastion, _token(bastion))
    other = _token(bastion, "eve@example.com")
    path = f"/tasks/{task['id']}"

    assert bastion.call("GET", path, other).status_code == 404
    assert bastion.call("PATCH", path, other, json={"title": "mine"}).status_code == 404
    assert bastion.call("DELETE", path, other).status_code == 404
    assert bastion.call("GET", "/tasks", other).json["items"] == []

    owner = bastion.log_in("ada@example.com").json["access_token"]
    assert bastion.call("DELETE", path, owner).status_code == 204
    trash = f"/tasks/trash/{task['id']}"
    assert bastion.call("POST", f"{trash}/restore", other).status_code == 404
    assert bastion.call("DELETE", trash, other).status_code == 404
    assert bastion.call("GET", "/tasks/trash", other).json["items"] == []
    assert bastion.call("POST", f"{trash}/restore", owner).status_code == 200


@pytest.mark.parametrize("path", ["/tasks/not-a-uuid", "/tasks/trash/12/restore"])
def test_a_malformed_id_is_not_found(bastion: Bastion, path: str) -> None:
    method = "POST" if path.endswith("restore") else "GET"
    assert bastion.call(method, path, _token(bastion)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x" * 201},
        {"title": ""},
        {"title": "   "},
        {"title": "ok", "description": "x" * 10_001},
        {"title": "ok", "owner": "someone"},
        {"title": "ok", "due_at": "2026-03-05T10:00:00"},
        {"description": "no title"},
    ],
)
def test_invalid_task_bodies_are_422(bastion: Bastion, body: dict[str, Any]) -> None:
    response = bastion.call("POST", "/tasks", _token(bastion), json=body)
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"


def test_an_oversized_patch_is_422_and_changes_nothing(bastion: Bastion) -> None:
    token = _token(bastion)
    task = _create(bastion, token)
    path = f"/tasks/{task['id']}"
    assert bastion.call("PATCH", path, token, json={"title": "x" * 201}).status_code == 422
    assert bastion.call("PATCH", path, token, json={"description": "x" * 10_001}).status_code == 422
    assert bastion.call("PATCH", path, token, json={"id": "x"}).status_code == 422
    assert bastion.call("GET", path, token).json == task


def test_pages_walk_every_task_once_and_filter_by_completed(bastion: Bastion) -> None:
    token = _token(bastion)
    created = [_create(bastion, token, title=f"t{n}", completed=n % 3 == 0) for n in range(11)]

    def walk(query: str) -> list[str]:
        seen: list[str] = []
        cursor = ""
        while True:
            page = bastion.call("GET", f"/tasks?limit=4{query}{cursor}", token).json
            seen += [task["id"] for task in page["items"]]
            if page["next_cursor"] is None:
                return seen
            cursor = f"&cursor={page['next_cursor']}"

    newest = [task["id"] for task in reversed(created)]
    done = {task["id"] for task in created if task["completed"]}
    assert walk("") == newest
    assert walk("&completed=true") == [i for i in newest if i in done]
    assert walk("&completed=false") == [i for i in newest if i not in done]
    assert bastion.call("GET", "/tasks?cursor=bogus", token).status_code == 422
    assert bastion.call("GET", "/tasks?limit=101", token).status_code == 422


def test_a_deleted_task_goes_to_the_trash_and_comes_back_the_same(bastion: Bastion) -> None:
    token = _token(bastion)
    task = _create(bastion, token, description="as it was", due_at="2026-04-01T00:00:00Z")

    assert bastion.call("DELETE", f"/tasks/{task['id']}", token).status_code == 204
    assert bastion.call("GET", f"/tasks/{task['id']}", token).status_code == 404
    trash = bastion.call("GET", "/tasks/trash", token).json
    assert trash["items"] == [
        {
            "id": task["id"],
            "task": task,
            "deleted_at": "2026-03-01T09:00:00Z",
            "restorable_until": "2026-03-31T09:00:00Z",
        }
    ]

    restored = bastion.call("POST", f"/tasks/trash/{task['id']}/restore", token)
    assert restored.status_code == 200
    assert restored.json == task
    assert bastion.call("GET", f"/tasks/{task['id']}", token).json == task
    assert bastion.call("GET", "/tasks/trash", token).json["items"] == []


def test_restoring_after_the_window_is_gone(bastion: Bastion) -> None:
    token = _token(bastion)
    task = _create(bastion, token)
    bastion.call("DELETE", f"/tasks/{task['id']}", token)
    bastion.clock.advance(30 * DAY)
    token = bastion.log_in("ada@example.com").json["access_token"]

    response = bastion.call("POST", f"/tasks/trash/{task['id']}/restore", token)

    assert response.status_code == 410
    assert response.json["code"] == "restore_expired"


def test_a_task_deleted_for_good_cannot_be_restored(bastion: Bastion) -> None:
    token = _token(bastion)
    task = _create(bastion, token)
    bastion.call("DELETE", f"/tasks/{task['id']}", token)

    assert bastion.call("DELETE", f"/tasks/trash/{task['id']}", token).status_code == 204
    assert bastion.call("DELETE", f"/tasks/trash/{task['id']}", token).status_code == 404
    assert bastion.call("POST", f"/tasks/trash/{task['id']}/restore", token).status_code == 404


def test_the_purge_removes_only_expired_entries(bastion: Bastion) -> None:
    token = _token(bastion)
    old, recent = _create(bastion, token), _create(bastion, token)
    bastion.call("DELETE", f"/tasks/{old['id']}", token)
    bastion.clock.advance(10 * DAY)
    token = bastion.log_in("ada@example.com").json["access_token"]
    assert bastion.call("DELETE", f"/tasks/{recent['id']}", token).status_code == 204
    bastion.clock.advance(21 * DAY)
    token = bastion.log_in("ada@example.com").json["access_token"]

    assert bastion.container.purge_deleted_tasks()() == 1

    items = bastion.call("GET", "/tasks/trash", token).json["items"]
    assert [item["id"] for item in items] == [recent["id"]]


def test_the_purge_skips_its_turn_while_another_worker_holds_the_lock(bastion: Bastion) -> None:
    token = _token(bastion)
    task = _create(bastion, token)
    bastion.call("DELETE", f"/tasks/{task['id']}", token)
    bastion.clock.advance(31 * DAY)
    purge = bastion.container.purge_deleted_tasks()

    with bastion.container.lock().hold("purge-deleted-tasks", ttl_seconds=60):
        assert purge() == 0
    assert purge() == 1


def test_the_purge_works_in_batches(bastion: Bastion, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(purge_deleted_tasks, "BATCH", 2)
    token = _token(bastion)
    for _ in range(5):
        task = _create(bastion, token)
        bastion.call("DELETE", f"/tasks/{task['id']}", token)
    bastion.clock.advance(31 * DAY)

    assert bastion.container.purge_deleted_tasks()() == 5


def test_tasks_work_on_sqlite_too(make_bastion: Any) -> None:
    bastion = make_bastion(store="sql")
    token = _token(bastion)
    task = _create(bastion, token, due_at="2026-04-01T00:00:00Z")
    assert bastion.call("DELETE", f"/tasks/{task['id']}", token).status_code == 204
    restored = bastion.call("POST", f"/tasks/trash/{task['id']}/restore", token)
    assert restored.json == task
