"""Cursors and filters that parse but mean nothing, on SQL storage: a clean 422, never a
500 from the database driver."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.conftest import BastionFactory
from tests.api.test_admin import _admin


def _cursor(kind: str, at: str) -> str:
    raw = json.dumps([kind, at, "0" * 32]).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_cursor_at_the_edge_of_time_is_refused(make_bastion: BastionFactory, at: str) -> None:
    bastion = make_bastion(store="sql")
    token = _admin(bastion)["access_token"]
    for path, kind in (
        ("/me/events", "events"),
        ("/admin/events", "events"),
        ("/admin/users", "users"),
    ):
        response = bastion.call("GET", f"{path}?cursor={_cursor(kind, at)}", token=token)
        assert response.status_code == 422, (path, response.json)
        assert response.json["code"] == "invalid_cursor"


def test_control_characters_in_the_user_search_are_refused(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(store="sql")
    token = _admin(bastion)["access_token"]
    for query in ("%00", "a%00b", "a%1fb"):
        response = bastion.call("GET", f"/admin/users?q={query}", token=token)
        assert response.status_code == 422, query
    assert bastion.call("GET", "/admin/users?q=ro", token=token).status_code == 200
