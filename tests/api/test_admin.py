"""Administration, ``/api/v1/admin`` (role ``admin``): search, view, disable, enable,
revoke sessions, read the whole security log; and every way a non-admin is refused
(SECURITY EV-05, SE-06, LO-05)."""

from __future__ import annotations

import base64
import json
from typing import Any
from uuid import UUID

import pytest

from application.account.create_admin import CreateAdminCommand
from domain.ids import UserId
from domain.users import Role
from tests.api.conftest import PASSWORD, Bastion, BastionFactory

ROOT, ADA, BOB = "root@example.com", "ada@example.com", "bob@example.com"
NOBODY = "00000000-0000-0000-0000-000000000001"


def _admin(bastion: Bastion, email: str = ROOT) -> dict[str, Any]:
    bastion.container.create_admin()(CreateAdminCommand(email, PASSWORD))
    response = bastion.log_in(email)
    assert response.status_code == 200, response.json
    tokens: dict[str, Any] = response.json
    assert tokens["user"]["role"] == "admin"
    return tokens


def _as(bastion: Bastion, tokens: dict[str, Any], method: str, path: str) -> Any:
    return bastion.call(method, f"/admin{path}", token=tokens["access_token"])


def _alive(bastion: Bastion, tokens: dict[str, Any]) -> bool:
    me = bastion.call("GET", "/me", token=tokens["access_token"]).status_code == 200
    refresh = bastion.call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert me == (refresh.status_code == 200)
    return me


def _walk(bastion: Bastion, tokens: dict[str, Any], path: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(100):
        response = _as(bastion, tokens, "GET", f"{path}{cursor}")
        assert response.status_code == 200, response.json
        seen += response.json["items"]
        if response.json["next_cursor"] is None:
            return seen
        cursor = f"&cursor={response.json['next_cursor']}"
    raise AssertionError("the pages never ended")


def _enable_totp(bastion: Bastion, tokens: dict[str, Any]) -> tuple[str, list[str]]:
    return bastion.enable_totp(tokens["access_token"])


ADMIN_ROUTES = [
    ("GET", "/users"),
    ("GET", "/users?limit=0&status=nope&cursor=x"),
    ("GET", f"/users/{NOBODY}"),
    ("POST", f"/users/{NOBODY}/disable"),
    ("POST", f"/users/{NOBODY}/enable"),
    ("DELETE", f"/users/{NOBODY}/sessions"),
    ("GET", "/events"),
    ("GET", f"/events?user_id={NOBODY}&limit=500"),
]


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_a_non_admin_gets_403_on_every_admin_route(
    bastion: Bastion, method: str, path: str
) -> None:
    ada = bastion.signed_in(ADA)

    response = _as(bastion, ada, method, path)

    assert (response.status_code, response.json["code"]) == (403, "forbidden")
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_no_token_gets_401_on_every_admin_route(bastion: Bastion, method: str, path: str) -> None:
    response = bastion.call(method, f"/admin{path}")

    assert (response.status_code, response.json["code"]) == (401, "invalid_token")


def test_the_non_admins_own_ids_change_nothing(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    bob = bastion.signed_in(BOB)
    for path in (f"/users/{bob['user']['id']}/disable", f"/users/{ada['user']['id']}/disable"):
        assert _as(bastion, ada, "POST", path).status_code == 403
    assert _as(bastion, ada, "DELETE", f"/users/{bob['user']['id']}/sessions").status_code == 403
    assert _alive(bastion, bob)
    assert _alive(bastion, ada)


def test_a_demoted_admins_token_no_longer_administers(bastion: Bastion) -> None:
    root = _admin(bastion)
    assert _as(bastion, root, "GET", "/users").status_code == 200
    with bastion.container.uow() as uow:
        user = uow.users.get(UserId(UUID(root["user"]["id"])), for_update=True)
        assert user is not None
        user.role = Role.USER
        uow.users.save(user)
        uow.commit()

    response = _as(bastion, root, "GET", "/users")  # the token still claims "admin"

    assert (response.status_code, response.json["code"]) == (403, "forbidden")


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_admins_find_users_by_email_prefix_and_status(
    make_bastion: BastionFactory, store: str
) -> None:
    bastion = make_bastion(store)
    root = _admin(bastion)
    for email in (ADA, "adam@example.com", "a_z@example.com", "a%z@example.com", BOB):
        bastion.verified_user(email)

    def emails(query: str) -> list[str]:
        return [u["email"] for u in _walk(bastion, root, f"/users?{query}")]

    assert emails("q=AD") == ["adam@example.com", ADA]
    assert emails("q=a_") == ["a_z@example.com"]
    assert emails("q=a%25") == ["a%z@example.com"]
    assert emails("q=%25") == []
    assert emails("q=zzz") == []
    assert len(emails("")) == 6
    bob_id = next(u["id"] for u in _walk(bastion, root, "/users?q=bob"))
    assert _as(bastion, root, "POST", f"/users/{bob_id}/disable").status_code == 200
    assert emails("status=disabled") == [BOB]
    assert emails("status=active&q=b") == []
    listed = _as(bastion, root, "GET", "/users?q=ada").json["items"][0]
    assert set(listed) >= {"id", "email", "status", "role", "created_at", "email_verified"}


def test_user_pages_walk_every_account_exactly_once(bastion: Bastion) -> None:
    root = _admin(bastion)
    for n in range(11):
        bastion.verified_user(f"user{n}@example.com")
        if n % 3 == 0:
            bastion.clock.advance(seconds=1)  # some share a creation time, some do not

    for limit in (1, 4, 100):
        seen = _walk(bastion, root, f"/users?limit={limit}")
        assert len(seen) == 12
        assert len({u["id"] for u in seen}) == 12
        times = [u["created_at"] for u in seen]
        assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "cursor=garbage",
        "cursor="
        + base64.urlsafe_b64encode(
            b'["events","2026-03-01T09:00:00+00:00","' + b"0" * 32 + b'"]'
        ).decode(),
        "limit=0",
        "limit=101",
        "limit=x",
        "status=deleted",
        "q=" + "a" * 300,
    ],
)
def test_malformed_user_queries_are_422_problems(bastion: Bastion, query: str) -> None:
    root = _admin(bastion)

    response = _as(bastion, root, "GET", f"/users?{query}")

    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"


def test_the_user_view_has_sessions_and_a_factor_summary_but_no_secrets(bastion: Bastion) -> None:
    root = _admin(bastion)
    ada = bastion.signed_in(ADA)
    secret, codes = _enable_totp(bastion, ada)

    response = _as(bastion, root, "GET", f"/users/{ada['user']['id']}")

    assert response.status_code == 200
    body = response.json
    assert body["user"]["email"] == ADA
    assert [s["id"] for s in body["sessions"]] == [ada["session_id"]]
    assert body["sessions"][0]["current"] is False
    assert body["factors"] == {
        "methods": ["totp", "backup_code"],
        "backup_codes_left": 10,
        "passkeys": 0,
        "providers": [],
    }
    text = json.dumps(body)
    for leak in (secret, *codes, "$2b$", "password", "ip_hash", "127.0.0.1"):
        assert leak not in text
    missing = _as(bastion, root, "GET", f"/users/{NOBODY}")
    assert (missing.status_code, missing.json["code"]) == (404, "not_found")


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_disabling_ends_every_session_at_once_and_sign_in_says_so(
    make_bastion: BastionFactory, store: str
) -> None:
    bastion = make_bastion(store)
    root = _admin(bastion)
    ada = bastion.signed_in(ADA)
    laptop = bastion.log_in(ADA).json
    ada_id = ada["user"]["id"]

    response = _as(bastion, root, "POST", f"/users/{ada_id}/disable")

    assert response.status_code == 200
    assert (response.json["id"], response.json["status"]) == (ada_id, "disabled")
    for tokens in (ada, laptop):
        assert bastion.call("GET", "/me", token=tokens["access_token"]).status_code == 401
        refresh = bastion.call(
            "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refresh.status_code == 401
    login = bastion.log_in(ADA)
    assert (login.status_code, login.json["code"]) == (403, "account_disabled")
    events = _walk(bastion, root, f"/events?user_id={ada_id}&limit=100")
    disabled = [e for e in events if e["type"] == "account.disabled"]
    assert [e["metadata"] for e in disabled] == [{"admin_id": root["user"]["id"]}]
    reasons = [e["metadata"]["reason"] for e in events if e["type"] == "session.revoked"]
    assert reasons == ["account_disabled", "account_disabled"]
    channels = [c for c, p in bastion.container.publisher().messages if p["user_id"] == ada_id]
    assert channels.count("session:revoked") == 2
    assert "user:updated" in channels
    detail = _as(bastion, root, "GET", f"/users/{ada_id}").json
    assert (detail["user"]["status"], detail["sessions"]) == ("disabled", [])

    again = _as(bastion, root, "POST", f"/users/{ada_id}/disable")
    assert again.status_code == 200
    assert bastion.events(ada_id).count("account.disabled") == 1


def test_an_admin_cannot_disable_itself(bastion: Bastion) -> None:
    root = _admin(bastion)

    response = _as(bastion, root, "POST", f"/users/{root['user']['id']}/disable")

    assert (response.status_code, response.json["code"]) == (403, "cannot_disable_self")
    assert _alive(bastion, root)
    assert bastion.log_in(ROOT).status_code == 200
    assert "account.disabled" not in bastion.events(root["user"]["id"])


def test_an_admin_may_disable_another_admin(bastion: Bastion) -> None:
    root = _admin(bastion)
    other = _admin(bastion, "deputy@example.com")

    response = _as(bastion, root, "POST", f"/users/{other['user']['id']}/disable")

    assert response.status_code == 200
    assert _as(bastion, other, "GET", "/users").status_code == 401


def test_enabling_lets_the_user_sign_in_again(bastion: Bastion) -> None:
    root = _admin(bastion)
    ada = bastion.signed_in(ADA)
    ada_id = ada["user"]["id"]
    assert _as(bastion, root, "POST", f"/users/{ada_id}/disable").status_code == 200

    response = _as(bastion, root, "POST", f"/users/{ada_id}/enable")

    assert (response.status_code, response.json["status"]) == (200, "active")
    assert not _alive(bastion, ada)  # no session comes back
    assert bastion.log_in(ADA).status_code == 200
    events = bastion.events(ada_id)
    assert events.count("account.enabled") == 1
    assert _as(bastion, root, "POST", f"/users/{ada_id}/enable").status_code == 200
    assert bastion.events(ada_id).count("account.enabled") == 1
    missing = _as(bastion, root, "POST", f"/users/{NOBODY}/enable")
    assert (missing.status_code, missing.json["code"]) == (404, "not_found")


def test_revoking_a_users_sessions_signs_them_out_everywhere(bastion: Bastion) -> None:
    root = _admin(bastion)
    ada = bastion.signed_in(ADA)
    laptop = bastion.log_in(ADA).json
    bob = bastion.signed_in(BOB)

    response = _as(bastion, root, "DELETE", f"/users/{ada['user']['id']}/sessions")

    assert (response.status_code, response.json) == (200, {"revoked": 2})
    assert not _alive(bastion, ada)
    assert not _alive(bastion, laptop)
    assert _alive(bastion, bob)
    assert _alive(bastion, root)
    assert bastion.log_in(ADA).status_code == 200  # the account stays enabled
    reasons = [
        e["metadata"]["reason"]
        for e in _walk(bastion, root, f"/events?user_id={ada['user']['id']}&type=session.revoked")
    ]
    assert reasons == ["admin", "admin"]
    missing = _as(bastion, root, "DELETE", f"/users/{NOBODY}/sessions")
    assert (missing.status_code, missing.json["code"]) == (404, "not_found")


def test_admins_read_the_whole_log_by_user_and_type(bastion: Bastion) -> None:
    root = _admin(bastion)
    ada = bastion.signed_in(ADA)
    bob = bastion.signed_in(BOB)
    assert bastion.log_in("nobody@example.com").status_code == 401

    everything = _walk(bastion, root, "/events?limit=3")
    adas = _walk(bastion, root, f"/events?user_id={ada['user']['id']}&limit=2")
    failed = _walk(bastion, root, "/events?type=login.failed")

    assert len({e["id"] for e in everything}) == len(everything)
    owners = {e["user_id"] for e in everything}
    assert owners == {root["user"]["id"], ada["user"]["id"], bob["user"]["id"], None}
    assert {e["user_id"] for e in adas} == {ada["user"]["id"]}
    assert [e["type"] for e in adas] == bastion.events(ada["user"]["id"])
    assert [(e["type"], e["user_id"]) for e in failed] == [("login.failed", None)]
    assert failed[0]["metadata"] == {"reason": "unknown_email"}
    assert "nobody@example.com" not in json.dumps(everything)


@pytest.mark.parametrize(
    "query",
    ["cursor=garbage", "cursor=%FF", "limit=0", "type=nope", "user_id=not-a-uuid", "limit=1e3"],
)
def test_malformed_event_queries_are_422_problems(bastion: Bastion, query: str) -> None:
    root = _admin(bastion)

    response = _as(bastion, root, "GET", f"/events?{query}")

    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
