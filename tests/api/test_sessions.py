"""Devices and sessions: list, revoke one, revoke the others, and the expired-session
sweep (SECURITY SE-06, DV-01)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from application.sessions.purge_expired_sessions import PurgeExpiredSessionsCommand
from domain.ids import SessionId
from tests.api.conftest import Bastion, BastionFactory

ADA, BOB = "ada@example.com", "bob@example.com"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _sign_in_again(bastion: Bastion, email: str, agent: str = FIREFOX) -> dict[str, Any]:
    response = bastion.log_in(email, headers={"User-Agent": agent})
    assert response.status_code == 200, response.json
    tokens: dict[str, Any] = response.json
    return tokens


def _sessions(bastion: Bastion, tokens: dict[str, Any]) -> list[dict[str, Any]]:
    response = bastion.call("GET", "/me/sessions", token=tokens["access_token"])
    assert response.status_code == 200, response.json
    assert response.json["next_cursor"] is None
    items: list[dict[str, Any]] = response.json["items"]
    return items


def _alive(bastion: Bastion, tokens: dict[str, Any]) -> bool:
    me = bastion.call("GET", "/me", token=tokens["access_token"]).status_code == 200
    refresh = bastion.call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert me == (refresh.status_code == 200)
    return me


def _published(bastion: Bastion, channel: str) -> list[dict[str, str]]:
    return [p for c, p in bastion.container.publisher().messages if c == channel]


def test_every_active_session_is_listed_newest_first_with_the_callers_marked(
    bastion: Bastion,
) -> None:
    laptop = bastion.signed_in(ADA)
    bastion.clock.advance(minutes=5)
    phone = _sign_in_again(bastion, ADA, IPHONE)

    items = _sessions(bastion, laptop)

    assert [s["id"] for s in items] == [phone["session_id"], laptop["session_id"]]
    assert [s["current"] for s in items] == [False, True]
    newest = items[0]
    assert (newest["browser"], newest["os"], newest["device"]) == ("Mobile Safari", "iOS", "iPhone")
    assert newest["network"] == "127.0.0.0/24"
    assert newest["location"] == {"country": None, "city": None, "timezone": None}
    assert newest["methods"] == ["pwd"]
    assert newest["verified"] is False
    assert 0 <= newest["trust_score"] <= 100
    assert newest["created_at"] == "2026-03-01T09:05:00Z"
    assert newest["last_active_at"].endswith("Z")
    assert newest["expires_at"] == "2026-05-30T09:05:00Z"
    body = str(items)
    assert "127.0.0.1" not in body
    assert "ip_hash" not in body
    assert "user_agent" not in body


def test_sessions_need_a_valid_access_token(bastion: Bastion) -> None:
    for method, path in [
        ("GET", "/me/sessions"),
        ("DELETE", "/me/sessions/00000000-0000-0000-0000-000000000001"),
        ("POST", "/me/sessions/revoke-others"),
    ]:
        response = bastion.call(method, path)
        assert (response.status_code, response.json["code"]) == (401, "invalid_token")


def test_revoking_a_session_ends_it_at_once_and_records_why(bastion: Bastion) -> None:
    here = bastion.signed_in(ADA)
    there = _sign_in_again(bastion, ADA)

    response = bastion.call(
        "DELETE", f"/me/sessions/{there['session_id']}", token=here["access_token"]
    )

    assert response.status_code == 204
    assert response.get_data() == b""
    assert not _alive(bastion, there)
    assert _alive(bastion, here)
    assert [s["id"] for s in _sessions(bastion, here)] == [here["session_id"]]
    with bastion.container.uow() as uow:
        events = uow.events.list_for_user(UUID(here["user"]["id"]), limit=5)  # type: ignore[arg-type]
    revoked = events[0]
    assert (revoked.type.value, revoked.metadata) == ("session.revoked", {"reason": "user"})
    assert str(revoked.session_id) == there["session_id"]
    message = _published(bastion, "session:revoked")[-1]
    assert message == {
        "id": there["session_id"],
        "user_id": here["user"]["id"],
        "at": "2026-03-01T09:00:00Z",
    }


def test_a_user_may_end_the_session_they_are_calling_from(bastion: Bastion) -> None:
    here = bastion.signed_in(ADA)

    response = bastion.call(
        "DELETE", f"/me/sessions/{here['session_id']}", token=here["access_token"]
    )

    assert response.status_code == 204
    assert not _alive(bastion, here)


def test_another_users_session_reads_as_not_found_and_survives(bastion: Bastion) -> None:
    ada = bastion.signed_in(ADA)
    bob = bastion.signed_in(BOB)

    response = bastion.call(
        "DELETE", f"/me/sessions/{ada['session_id']}", token=bob["access_token"]
    )

    assert (response.status_code, response.json["code"]) == (404, "not_found")
    assert response.mimetype == "application/problem+json"
    assert _alive(bastion, ada)
    assert "session.revoked" not in bastion.events(ada["user"]["id"])


@pytest.mark.parametrize(
    "path",
    [
        "/me/sessions/00000000-0000-0000-0000-000000000001",
        "/me/sessions/not-a-uuid",
        "/me/sessions/%00",
    ],
)
def test_unknown_session_ids_read_as_not_found(bastion: Bastion, path: str) -> None:
    here = bastion.signed_in(ADA)

    response = bastion.call("DELETE", path, token=here["access_token"])

    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_a_session_that_already_ended_reads_as_not_found(bastion: Bastion) -> None:
    here = bastion.signed_in(ADA)
    there = _sign_in_again(bastion, ADA)
    path = f"/me/sessions/{there['session_id']}"
    assert bastion.call("DELETE", path, token=here["access_token"]).status_code == 204

    again = bastion.call("DELETE", path, token=here["access_token"])

    assert (again.status_code, again.json["code"]) == (404, "not_found")
    assert bastion.events(here["user"]["id"]).count("session.revoked") == 1


def test_revoke_others_keeps_the_caller_and_answers_the_count(bastion: Bastion) -> None:
    here = bastion.signed_in(ADA)
    others = [_sign_in_again(bastion, ADA), _sign_in_again(bastion, ADA, IPHONE)]
    bob = bastion.signed_in(BOB)

    response = bastion.call("POST", "/me/sessions/revoke-others", token=here["access_token"])

    assert (response.status_code, response.json) == (200, {"revoked": 2})
    assert _alive(bastion, here)
    assert not any(_alive(bastion, tokens) for tokens in others)
    assert _alive(bastion, bob)
    assert [s["id"] for s in _sessions(bastion, here)] == [here["session_id"]]
    ended = {p["id"] for p in _published(bastion, "session:revoked")}
    assert ended == {tokens["session_id"] for tokens in others}
    again = bastion.call("POST", "/me/sessions/revoke-others", token=here["access_token"])
    assert again.json == {"revoked": 0}


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_the_sweep_deletes_only_expired_sessions(make_bastion: BastionFactory, store: str) -> None:
    bastion = make_bastion(store)
    old = bastion.signed_in(ADA)
    bastion.clock.advance(days=89)
    recent = _sign_in_again(bastion, ADA)
    bastion.clock.advance(days=2)  # the first session is past its 90 days
    purge = bastion.container.purge_expired_sessions()

    assert purge(PurgeExpiredSessionsCommand()) == 1
    assert purge(PurgeExpiredSessionsCommand()) == 0

    with bastion.container.uow() as uow:
        assert uow.sessions.get(SessionId(UUID(old["session_id"]))) is None
        assert uow.sessions.get(SessionId(UUID(recent["session_id"]))) is not None
    refresh = bastion.call("POST", "/auth/refresh", json={"refresh_token": recent["refresh_token"]})
    assert refresh.status_code == 200  # its access token expired meanwhile; the session did not
    assert "session.created" in bastion.events(old["user"]["id"])


def test_the_sweep_skips_its_turn_while_another_scheduler_holds_the_lock(
    bastion: Bastion,
) -> None:
    bastion.signed_in(ADA)
    bastion.clock.advance(days=91)
    purge = bastion.container.purge_expired_sessions()

    with bastion.container.lock().hold("purge-expired-sessions", ttl_seconds=60):
        assert purge(PurgeExpiredSessionsCommand()) == 0
    assert purge(PurgeExpiredSessionsCommand()) == 1


def test_the_sweep_runs_in_batches(bastion: Bastion, monkeypatch: pytest.MonkeyPatch) -> None:
    from application.sessions import purge_expired_sessions

    monkeypatch.setattr(purge_expired_sessions, "BATCH", 2)
    bastion.signed_in(ADA)
    for _ in range(4):
        _sign_in_again(bastion, ADA)
    bastion.clock.advance(days=91)

    deleted = bastion.container.purge_expired_sessions()(PurgeExpiredSessionsCommand())

    assert deleted == 5
