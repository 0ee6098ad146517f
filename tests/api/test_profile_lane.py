"""``GET /api/v1/me`` goes down the profile lane, past Flask's request machinery, and
answers exactly as the Flask route does: status, headers and body, refusals included."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask, request_started
from werkzeug.test import EnvironBuilder, run_wsgi_app

from adapters.security.tokens import MAX_LEEWAY_SECONDS
from application.common.leases import MAX_LEASE
from application.common.throttle import LIMITS, Rule
from entrypoints.http.envelope import Envelope
from entrypoints.http.profile_lane import ProfileLane
from tests.api.conftest import Bastion, BastionFactory

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

Answer = tuple[str, list[tuple[str, str]], bytes]


@pytest.fixture
def both(make_bastion: BastionFactory) -> tuple[Bastion, Callable[..., tuple[Answer, Answer]]]:
    """One Bastion, and a way to ask it the same request down the lane and down the
    Flask route, each behind the same envelope as in production."""
    bastion = make_bastion(rate_limit_scale=1)
    route = functools.partial(Flask.wsgi_app, bastion.app)
    lane = Envelope(ProfileLane(bastion.app, route), lambda: "0" * 32, [])
    flask = Envelope(route, lambda: "0" * 32, [])

    def ask(method: str = "GET", path: str = "/api/v1/me", **headers: str) -> tuple[Answer, Answer]:
        return answer(lane, method, path, headers), answer(flask, method, path, headers)

    return bastion, ask


def answer(app: WSGIApplication, method: str, path: str, headers: dict[str, str]) -> Answer:
    address = {"REMOTE_ADDR": "127.0.0.1"}  # the test client's, so both share its buckets
    environ = EnvironBuilder(path=path, method=method, headers=headers, environ_base=address)
    body, status, sent = run_wsgi_app(app, environ.get_environ())
    return status, list(sent.items()), b"".join(body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_signed_in_caller_gets_the_same_profile_down_both(both: Any) -> None:
    bastion, ask = both
    token = bastion.signed_in("ada@example.com")["access_token"]

    lane, route = ask(**bearer(token))

    assert lane == route
    assert lane[0] == "200 OK"
    assert b'"email":"ada@example.com"' in lane[2]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic YWRhOnNlY3JldA=="},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Bearer " + "a" * 5000},
    ],
    ids=["no header", "another scheme", "no token", "not a jwt", "oversized"],
)
def test_a_caller_without_a_valid_token_gets_the_same_401_down_both(
    both: Any, headers: dict[str, str]
) -> None:
    _, ask = both

    lane, route = ask(**headers)

    assert lane == route
    assert lane[0].startswith("401")
    assert ("WWW-Authenticate", 'Bearer error="invalid_token"') in lane[1]
    assert ("Content-Type", "application/problem+json") in lane[1]


def test_an_expired_token_and_a_revoked_session_get_the_same_401_down_both(both: Any) -> None:
    bastion, ask = both
    expiring = bastion.signed_in("ada@example.com")["access_token"]
    revoked = bastion.log_in("ada@example.com").json["access_token"]
    assert bastion.call("POST", "/auth/logout", token=revoked).status_code == 204
    lifetime = bastion.container.settings().access_token_ttl
    bastion.clock.advance(lifetime + MAX_LEEWAY_SECONDS + 1)

    for token in (expiring, revoked):
        lane, route = ask(**bearer(token))
        assert lane == route
        assert lane[0].startswith("401")


def test_past_the_api_limit_both_answer_the_same_429(both: Any) -> None:
    bastion, ask = both
    token = bastion.signed_in("ada@example.com")["access_token"]
    spent = 0  # the whole API shares one bucket, and units leased ahead go first
    while bastion.call("GET", "/me/sessions", token=token).status_code != 429:
        spent += 1
        assert spent <= LIMITS[Rule.API].capacity + MAX_LEASE

    lane, route = ask(**bearer(token))

    assert lane == route
    assert lane[0].startswith("429")
    assert any(name == "Retry-After" for name, _ in lane[1])


def test_a_failure_behind_the_lane_is_the_routes_500_and_logged_alike(
    both: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bastion, ask = both
    token = bastion.signed_in("ada@example.com")["access_token"]

    def broken(_command: object) -> None:
        raise RuntimeError("the profile store fell over")

    bastion.container.get_profile.override(lambda: broken)
    caplog.set_level(logging.ERROR, logger="bastion.http")

    lane, route = ask(**bearer(token))

    assert lane == route
    assert lane[0].startswith("500")
    assert b"fell over" not in lane[2]
    failures = [r for r in caplog.records if r.name == "bastion.http" and r.exc_info]
    assert len(failures) == 2  # once per path


@pytest.fixture
def started(bastion: Bastion) -> Iterator[list[str]]:
    """The paths Flask started a request for (its ``request_started`` signal)."""
    paths: list[str] = []

    def record(_app: Flask, **_extra: Any) -> None:
        from flask import request

        paths.append(f"{request.method} {request.path}")

    request_started.connect(record, bastion.app)
    yield paths
    request_started.disconnect(record, bastion.app)


def test_the_app_sends_get_me_down_the_lane_and_all_else_to_flask(
    bastion: Bastion, started: list[str]
) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    started.clear()

    assert bastion.call("GET", "/me", token=token).status_code == 200
    assert bastion.call("GET", "/me?fields=all", token=token).status_code == 200
    assert started == []  # neither started a Flask request

    head = bastion.call("HEAD", "/me", token=token)
    patch = bastion.call("PATCH", "/me", token=token, json={"first_name": "Augusta"})
    sessions = bastion.call("GET", "/me/sessions", token=token)

    assert (head.status_code, head.data) == (200, b"")
    assert patch.status_code == 200
    assert sessions.status_code == 200
    assert started == ["HEAD /api/v1/me", "PATCH /api/v1/me", "GET /api/v1/me/sessions"]
    assert bastion.call("GET", "/me", token=token).json["first_name"] == "Augusta"
