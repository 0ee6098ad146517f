"""``GET /api/v1/me`` goes down the profile lane, past Flask's request machinery, and
answers exactly as the Flask route does: status, headers, body and access-log line,
refusals and failures included."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from dependency_injector import providers
from flask import Flask, request_started
from werkzeug.test import EnvironBuilder, run_wsgi_app

from adapters.security.tokens import MAX_LEEWAY_SECONDS
from application.common.leases import MAX_LEASE
from application.common.throttle import LIMITS, Rule
from domain.errors import UnavailableError
from entrypoints.http import middleware
from entrypoints.http.envelope import Envelope
from entrypoints.http.guard import authenticated
from entrypoints.http.profile_lane import ProfileLane
from entrypoints.http.rendering import RenderedOnce
from entrypoints.http.routes import account
from entrypoints.http.schemas.common import UserResponse
from tests.api.conftest import Bastion, BastionFactory

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

Answer = tuple[str, list[tuple[str, str]], bytes, list[dict[str, Any]]]
"""Status, headers, body, and the log lines (without their times)."""
Ask = Callable[..., tuple[Answer, Answer]]


@pytest.fixture
def asking(caplog: pytest.LogCaptureFixture) -> Callable[[Bastion], Ask]:
    """For a Bastion: the same request down the lane and down the Flask route, each
    behind the same envelope as in production. The lane renders into bodies of its own,
    so neither answer is the other's rendering handed back."""
    caplog.set_level(logging.INFO, logger="bastion")

    def for_(bastion: Bastion) -> Ask:
        route = functools.partial(Flask.wsgi_app, bastion.app)
        lane = Envelope(ProfileLane(bastion.app, route, RenderedOnce(UserResponse())), _id, [])
        flask = Envelope(route, _id, [])

        def both(method: str = "GET", path: str = "/api/v1/me", **headers: str) -> Any:
            return (
                _answer(lane, method, path, headers, caplog),
                _answer(flask, method, path, headers, caplog),
            )

        return both

    return for_


@pytest.fixture
def ask(bastion: Bastion, asking: Callable[[Bastion], Ask]) -> Ask:
    return asking(bastion)


def _id() -> str:
    return "0" * 32


def _answer(
    app: WSGIApplication,
    method: str,
    path: str,
    headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> Answer:
    caplog.clear()
    address = {"REMOTE_ADDR": "127.0.0.1"}  # the test client's, so both share its buckets
    environ = EnvironBuilder(path=path, method=method, headers=headers, environ_base=address)
    body, status, sent = run_wsgi_app(app, environ.get_environ())
    answer = b"".join(body)
    return status, list(sent.items()), answer, [_logged(record) for record in caplog.records]


def _logged(record: logging.LogRecord) -> dict[str, Any]:
    """A log line without its times: the access line's fields, else the message."""
    found: dict[str, Any] = {"logger": record.name, "level": record.levelname}
    if record.name == "bastion.access":
        fields = ("request_id", "method", "path", "status", "user_id", "session_id")
        return found | {field: vars(record)[field] for field in fields}
    return found | {"message": record.getMessage(), "traceback": record.exc_info is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def until_refused(send: Callable[[], int]) -> None:
    """Send until the API-wide limit refuses (units leased ahead are spent first)."""
    for _ in range(LIMITS[Rule.API].capacity + MAX_LEASE + 1):
        if send() == 429:
            return
    pytest.fail("the API-wide limit never refused")


def fail_profiles_with(bastion: Bastion, failure: Exception) -> None:
    """From now on the profile use case raises ``failure``."""

    def broken(_command: object) -> None:
        raise failure

    bastion.container.get_profile.override(providers.Object(broken))


def test_a_signed_in_caller_gets_the_same_profile_down_both(bastion: Bastion, ask: Ask) -> None:
    tokens = bastion.signed_in("ada@example.com")

    lane, route = ask(**bearer(tokens["access_token"]))

    assert lane == route
    assert lane[0] == "200 OK"
    assert b'"email":"ada@example.com"' in lane[2]
    assert lane[3][0]["session_id"] == tokens["session_id"]  # the principal reached the log


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
    ask: Ask, headers: dict[str, str]
) -> None:
    lane, route = ask(**headers)

    assert lane == route
    assert lane[0].startswith("401")
    assert ("WWW-Authenticate", 'Bearer error="invalid_token"') in lane[1]
    assert ("Content-Type", "application/problem+json") in lane[1]


def test_an_expired_token_and_a_revoked_session_get_the_same_401_down_both(
    bastion: Bastion, ask: Ask
) -> None:
    expiring = bastion.signed_in("ada@example.com")["access_token"]
    revoked = bastion.log_in("ada@example.com").json["access_token"]
    assert bastion.call("POST", "/auth/logout", token=revoked).status_code == 204
    lifetime = bastion.container.settings().access_token_ttl
    bastion.clock.advance(lifetime + MAX_LEEWAY_SECONDS + 1)

    for token in (expiring, revoked):
        lane, route = ask(**bearer(token))
        assert lane == route
        assert lane[0].startswith("401")


def test_past_the_api_limit_both_answer_the_same_429(
    make_bastion: BastionFactory, asking: Callable[[Bastion], Ask]
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    token = bastion.signed_in("ada@example.com")["access_token"]
    until_refused(lambda: bastion.call("GET", "/me/sessions", token=token).status_code)

    lane, route = asking(bastion)(**bearer(token))

    assert lane == route
    assert lane[0].startswith("429")
    assert any(name == "Retry-After" for name, _ in lane[1])


def test_the_lane_charges_the_forwarded_address_when_a_proxy_is_trusted(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1, trusted_proxies=1)
    token = bastion.signed_in("ada@example.com")["access_token"]

    def me(client: str) -> int:
        headers = {"X-Forwarded-For": client}
        status: int = bastion.call("GET", "/me", token=token, headers=headers).status_code
        return status

    until_refused(lambda: me("203.0.113.9"))
    assert me("203.0.113.10") == 200  # another client behind the same proxy


@pytest.mark.parametrize(
    ("failure", "status"),
    [(RuntimeError("the profile store fell over"), "500"), (UnavailableError(), "503")],
    ids=["unexpected", "unavailable"],
)
def test_a_failure_behind_the_lane_gets_the_routes_answer_and_log(
    bastion: Bastion, ask: Ask, failure: Exception, status: str
) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    fail_profiles_with(bastion, failure)

    lane, route = ask(**bearer(token))

    assert lane == route
    assert lane[0].startswith(status)
    assert b"fell over" not in lane[2]
    tracebacks = [line for line in lane[3] if line.get("traceback")]
    assert len(tracebacks) == (1 if status == "500" else 0)


def test_a_failing_error_handler_gets_flasks_last_resort_500_down_both(
    bastion: Bastion, ask: Ask
) -> None:
    class OddError(Exception):
        pass

    def handler_that_fails(_error: OddError) -> None:
        raise RuntimeError("the handler fell over too")

    bastion.app.register_error_handler(OddError, handler_that_fails)  # before any request
    bastion.app.testing = False  # testing re-raises what reaches the last resort
    token = bastion.signed_in("ada@example.com")["access_token"]
    fail_profiles_with(bastion, OddError())

    lane, route = ask(**bearer(token))

    assert lane == route
    assert lane[0].startswith("500")
    assert ("Content-Type", "application/problem+json") in lane[1]
    assert ("X-Request-ID", "0" * 32) in lane[1]


def test_the_lane_takes_on_everything_flask_runs_for_get_me(bastion: Bastion) -> None:
    """A tripwire: a new hook, host check or decorator on ``get_me`` applies to the
    Flask route only, so the lane must take it on too before this test is changed."""
    app = bastion.app
    view = app.view_functions["me.get_me"]

    assert app.before_request_funcs == {None: [middleware._admit]}
    assert not any(app.after_request_funcs.values())
    assert not any(app.teardown_request_funcs.values())
    assert not any(app.url_value_preprocessors.values())
    assert not app.teardown_appcontext_funcs
    assert app.config["TRUSTED_HOSTS"] is None
    assert app.config["SERVER_NAME"] is None
    assert not app.url_map.host_matching
    assert view.__code__ is authenticated(lambda: None).__code__  # the guard, outermost
    assert inspect.unwrap(view) is view.__wrapped__  # and nothing under it
    assert view is account.get_me


@pytest.fixture
def started(bastion: Bastion) -> Iterator[list[str]]:
    """The requests Flask started (its ``request_started`` signal)."""
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
