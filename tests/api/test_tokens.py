"""Access and refresh tokens under attack: forged, expired, replayed, revoked."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from tests.api.conftest import Bastion, BastionFactory
from tests.support.settings import TEST_SECRETS

SECRET = TEST_SECRETS["jwt_secret"]


def _claims(tokens: dict[str, Any]) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    return claims


@pytest.fixture
def tokens(bastion: Bastion) -> dict[str, Any]:
    return bastion.signed_in("ada@example.com")


def _assert_invalid_token(response: Any) -> None:
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_forged_tokens_are_refused(bastion: Bastion, tokens: dict[str, Any]) -> None:
    claims = _claims(tokens)
    unsigned = tokens["access_token"].rsplit(".", 1)[0]
    forged = [
        jwt.encode(claims, key="", algorithm="none"),
        jwt.encode(claims, SECRET, algorithm="HS512"),
        jwt.encode(claims, "another-secret-0123456789abcdef0123456789", algorithm="HS256"),
        jwt.encode({**claims, "aud": "someone-else"}, SECRET, algorithm="HS256"),
        jwt.encode({**claims, "iss": "evil"}, SECRET, algorithm="HS256"),
        jwt.encode(claims, SECRET, algorithm="HS256", headers={"jwk": {"kty": "oct", "k": "AA"}}),
        jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": "../../dev/null"}),
        "not-a-jwt",
        unsigned + ".",
    ]
    for token in forged:
        _assert_invalid_token(bastion.call("GET", "/me", token=token))


def test_missing_and_misplaced_tokens_are_refused(bastion: Bastion, tokens: dict[str, Any]) -> None:
    _assert_invalid_token(bastion.call("GET", "/me"))
    _assert_invalid_token(bastion.call("GET", f"/me?access_token={tokens['access_token']}"))
    _assert_invalid_token(bastion.call("GET", "/me", token=tokens["refresh_token"]))
    at_refresh = bastion.call(
        "POST", "/auth/refresh", json={"refresh_token": tokens["access_token"]}
    )
    assert at_refresh.status_code == 401


def test_expired_and_not_yet_valid_tokens_are_refused(
    bastion: Bastion, tokens: dict[str, Any]
) -> None:
    assert bastion.call("GET", "/me", token=tokens["access_token"]).status_code == 200
    bastion.clock.advance(seconds=900 + 31)
    _assert_invalid_token(bastion.call("GET", "/me", token=tokens["access_token"]))
    future = {**_claims(tokens), "nbf": int((datetime.now(UTC) + timedelta(days=400)).timestamp())}
    _assert_invalid_token(bastion.call("GET", "/me", token=jwt.encode(future, SECRET, "HS256")))


def test_refresh_rotates_and_the_new_pair_works(bastion: Bastion, tokens: dict[str, Any]) -> None:
    fresh = bastion.call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "no-store"
    body = fresh.json
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["session_id"] == tokens["session_id"]
    assert _claims(body)["amr"] == ["pwd"]
    assert bastion.call("GET", "/me", token=body["access_token"]).status_code == 200


def test_a_racing_tab_gets_token_rotated_and_the_session_survives(
    bastion: Bastion, tokens: dict[str, Any]
) -> None:
    first = bastion.call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    racing = bastion.call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (racing.status_code, racing.json["code"]) == (401, "token_rotated")
    assert bastion.call("GET", "/me", token=first.json["access_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_session(
    bastion: Bastion, tokens: dict[str, Any]
) -> None:
    child = bastion.call(
        "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).json
    bastion.clock.advance(seconds=3)
    replay = bastion.call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (replay.status_code, replay.json["code"]) == (401, "token_reused")
    assert (
        bastion.call(
            "POST", "/auth/refresh", json={"refresh_token": child["refresh_token"]}
        ).status_code
        == 401
    )
    _assert_invalid_token(bastion.call("GET", "/me", token=child["access_token"]))
    events = bastion.events(tokens["user"]["id"])
    assert events.count("token.reuse_detected") == 1
    assert "session.revoked" in events
    assert "refresh" not in " ".join(events)


def test_refresh_never_extends_a_session_past_its_absolute_lifetime(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(session_max_age=3600, refresh_token_ttl=1800)
    refresh_token = bastion.signed_in("ada@example.com")["refresh_token"]
    for _ in range(2):
        bastion.clock.advance(minutes=20)
        response = bastion.call("POST", "/auth/refresh", json={"refresh_token": refresh_token})
        assert response.status_code == 200
        refresh_token = response.json["refresh_token"]
    bastion.clock.advance(minutes=21)  # the last token's own TTL runs to minute 70
    expired = bastion.call("POST", "/auth/refresh", json={"refresh_token": refresh_token})
    assert expired.status_code == 401


def test_logout_ends_both_tokens_at_once(bastion: Bastion, tokens: dict[str, Any]) -> None:
    assert bastion.call("POST", "/auth/logout", token=tokens["access_token"]).status_code == 204
    _assert_invalid_token(bastion.call("GET", "/me", token=tokens["access_token"]))
    refresh = bastion.call("POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert "session:revoked" in [c for c, _ in bastion.container.publisher().messages]


def test_parallel_refreshes_with_one_token_succeed_exactly_once(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(store="sql")
    tokens = bastion.signed_in("ada@example.com")
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def refresh() -> None:
        client = bastion.app.test_client()
        barrier.wait()
        response = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=refresh) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 401}
    assert bastion.call("GET", "/me", token=tokens["access_token"]).status_code == 200
