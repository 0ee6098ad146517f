"""The security log, ``GET /me/events``: own events only, newest first, keyset pages, and
no way to reach a 500 or another user's events through the query (SECURITY LO-05)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.api.conftest import Bastion

ADA, BOB = "ada@example.com", "bob@example.com"


def _cursor(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _rename(bastion: Bastion, tokens: dict[str, Any], times: int) -> None:
    """Each rename records one ``profile.updated``; the clock stands still, so many
    events share one timestamp and only the id orders them."""
    for n in range(times):
        body = {"first_name": f"Ada{n}"}
        response = bastion.call("PATCH", "/me", token=tokens["access_token"], json=body)
        assert response.status_code == 200


def _page(bastion: Bastion, tokens: dict[str, Any], query: str = "") -> Any:
    return bastion.call("GET", f"/me/events{query}", token=tokens["access_token"])


def _walk(bastion: Bastion, tokens: dict[str, Any], query: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(100):
        response = _page(bastion, tokens, f"{query}{cursor}")
        assert response.status_code == 200, response.json
        seen += response.json["items"]
        if response.json["next_cursor"] is None:
            return seen
        cursor = f"&cursor={response.json['next_cursor']}"
    raise AssertionError("the pages never ended")


def test_own_events_come_newest_first_with_their_fields(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    bastion.clock.advance(seconds=10)
    _rename(bastion, ada, 1)

    response = _page(bastion, ada)

    assert response.status_code == 200
    items = response.json["items"]
    assert response.json["next_cursor"] is None
    assert [e["type"] for e in items] == bastion.events(ada["user"]["id"])
    newest = items[0]
    assert set(newest) == {"id", "type", "occurred_at", "session_id", "metadata"}
    assert (newest["type"], newest["metadata"]) == ("profile.updated", {"fields": "first_name"})
    assert newest["occurred_at"] == "2026-03-01T09:00:10Z"
    created = next(e for e in items if e["type"] == "session.created")
    assert created["session_id"] == ada["session_id"]
    assert created["metadata"]["methods"] == "pwd"
    assert [e["occurred_at"] for e in items] == sorted(
        (e["occurred_at"] for e in items), reverse=True
    )


def test_the_type_filter_keeps_one_type(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    _rename(bastion, ada, 3)

    response = _page(bastion, ada, "?type=profile.updated&limit=2")

    assert [e["type"] for e in response.json["items"]] == ["profile.updated"] * 2
    rest = _page(bastion, ada, f"?type=profile.updated&cursor={response.json['next_cursor']}")
    assert [e["type"] for e in rest.json["items"]] == ["profile.updated"]
    assert rest.json["next_cursor"] is None


def test_pages_walk_every_event_exactly_once(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    _rename(bastion, ada, 30)
    every = bastion.events(ada["user"]["id"])
    assert len(every) > 30

    for limit in (1, 7, 20, 100):
        seen = _walk(bastion, ada, f"?limit={limit}")
        assert [e["type"] for e in seen] == every
        assert len({e["id"] for e in seen}) == len(every)


def test_the_default_page_holds_twenty(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    _rename(bastion, ada, 25)

    response = _page(bastion, ada)

    assert len(response.json["items"]) == 20
    assert response.json["next_cursor"]


def test_events_written_after_a_page_do_not_shift_the_next_one(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    _rename(bastion, ada, 6)
    first = _page(bastion, ada, "?limit=3").json
    bastion.clock.advance(seconds=1)
    _rename(bastion, ada, 2)

    second = _page(bastion, ada, f"?limit=3&cursor={first['next_cursor']}").json

    ids = [e["id"] for e in first["items"] + second["items"]]
    assert len(set(ids)) == 6


def test_another_users_events_are_never_shown_whatever_the_query(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    _rename(bastion, ada, 5)
    bob = bastion.signed_in(BOB)
    adas = {e["id"] for e in _walk(bastion, ada, "?limit=100")}
    adas_cursor = _page(bastion, ada, "?limit=1").json["next_cursor"]

    bobs = _walk(bastion, bob, "?limit=2")
    from_adas_cursor = _page(bastion, bob, f"?cursor={adas_cursor}").json["items"]
    with_user_id = _page(bastion, bob, f"?user_id={ada['user']['id']}").json["items"]

    assert bobs
    assert not adas & {e["id"] for e in bobs + from_adas_cursor + with_user_id}


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!!",
        "%00",
        _cursor(b"\xff\xfe not utf-8"),
        _cursor(b"not json"),
        _cursor({"events": 1}),
        _cursor([]),
        _cursor(["events"]),
        _cursor(["events", "2026-03-01T09:00:00+00:00"]),
        _cursor(["events", "2026-03-01T09:00:00", "0" * 32]),  # no time zone
        _cursor(["events", "yesterday", "0" * 32]),
        _cursor(["events", "2026-03-01T09:00:00+00:00", "not-a-uuid"]),
        _cursor(["events", 12, "0" * 32]),
        _cursor(["events", "2026-03-01T09:00:00+00:00", 7]),
        _cursor(["users", "2026-03-01T09:00:00+00:00", "0" * 32]),  # another list's
        _cursor(["events", "2026-03-01T09:00:00+00:00", "0" * 32, "extra"]),
        _cursor(123),
        _cursor(None),
    ],
)
def test_a_malformed_cursor_is_a_422_problem(bastion: Bastion, cursor: str) -> None:
    ada = bastion.signed_in(ADA)

    response = _page(bastion, ada, f"?cursor={cursor}")

    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "invalid_cursor"
    assert list(response.json["errors"]) == ["cursor"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=-1", "limit"),
        ("?limit=abc", "limit"),
        ("?limit=1.5", "limit"),
        ("?limit=99999999999999999999999", "limit"),
        ("?cursor=", "cursor"),
        (f"?cursor={'A' * 5000}", "cursor"),
        ("?type=password.stolen", "type"),
        ("?type=", "type"),
    ],
)
def test_malformed_parameters_are_422_problems(bastion: Bastion, query: str, field: str) -> None:
    ada = bastion.signed_in(ADA)

    response = _page(bastion, ada, query)

    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "validation_error"
    assert list(response.json["errors"]) == [field]


def test_the_log_needs_a_valid_token_and_has_no_write_routes(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    assert bastion.call("GET", "/me/events").status_code == 401
    event_id = _page(bastion, ada).json["items"][0]["id"]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert bastion.call(method, "/me/events", token=ada["access_token"]).status_code == 405
        path = f"/me/events/{event_id}"
        assert bastion.call(method, path, token=ada["access_token"]).status_code in (404, 405)
    paths = bastion.client.get("/openapi.json").json["paths"]
    for path in ("/api/v1/me/events", "/api/v1/admin/events"):
        assert set(paths[path]) == {"get"}
