"""Every bucket of the rate-limit table (SECURITY RL-01): the request past the capacity
is a 429 with ``Retry-After`` and does nothing at all."""

from __future__ import annotations

from typing import Any

import pytest

from application.common.throttle import LIMITS, Rule
from tests.api.conftest import PASSWORD, BastionFactory

BODIES: dict[str, tuple[Rule, dict[str, Any]]] = {
    "/auth/register": (
        Rule.REGISTER,
        {"email": "x@example.com", "password": PASSWORD, "first_name": "A", "last_name": "B"},
    ),
    "/auth/login": (Rule.LOGIN, {"email": "x@example.com", "password": "wrong wrong wrong 1"}),
    "/auth/email/verify": (Rule.VERIFY, {"email": "x@example.com", "code": "123456"}),
    "/auth/email/resend": (Rule.RESEND, {"email": "x@example.com"}),
    "/auth/password/forgot": (Rule.FORGOT, {"email": "x@example.com"}),
    "/auth/password/reset": (Rule.RESET, {"token": "t" * 43, "new_password": PASSWORD + "!"}),
    "/auth/refresh": (Rule.REFRESH, {"refresh_token": "r" * 43}),
    "/auth/login/sms": (Rule.MFA, {"login_token": "l" * 43}),
}


@pytest.mark.parametrize("path", list(BODIES))
def test_the_request_past_the_capacity_is_refused_and_does_nothing(
    make_bastion: BastionFactory, path: str
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    rule, body = BODIES[path]
    capacity = LIMITS[rule].capacity
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.20"}}
    for n in range(capacity):
        # another email each time, so per-account budgets (failed passwords, code tries)
        # stay out of the way of the per-address bucket under test
        varied = {**body, "email": f"x{n}@example.com"} if "email" in body else body
        assert bastion.call("POST", path, json=varied, **address).status_code != 429
    deferred, mailed = len(bastion.tasks.deferred), len(bastion.mail.sent)

    refused = bastion.call("POST", path, json=body, **address)

    assert (refused.status_code, refused.json["code"]) == (429, "rate_limited")
    assert int(refused.headers["Retry-After"]) >= 1
    assert (len(bastion.tasks.deferred), len(bastion.mail.sent)) == (deferred, mailed)
    other = {"environ_base": {"REMOTE_ADDR": "198.51.100.21"}}
    assert bastion.call("POST", path, json=body, **other).status_code != 429


def test_the_whole_api_is_metered_per_address(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.30"}}
    statuses = [
        bastion.call("GET", "/me", **address).status_code
        for _ in range(LIMITS[Rule.API].capacity + 1)
    ]
    assert statuses[:-1] == [401] * LIMITS[Rule.API].capacity
    assert statuses[-1] == 429
    assert bastion.app.test_client().get("/healthz").status_code == 200


def test_bodies_of_the_wrong_type_are_metered_too_and_refused_before_they_are_read(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.31"}}
    statuses = [
        bastion.call("POST", "/auth/login", data="<xml/>", content_type="text/xml", **address)
        for _ in range(LIMITS[Rule.API].capacity + 1)
    ]
    assert [r.status_code for r in statuses[:-1]] == [415] * LIMITS[Rule.API].capacity
    assert (statuses[-1].status_code, statuses[-1].json["code"]) == (429, "rate_limited")
    preflight = bastion.call("OPTIONS", "/auth/login", **address)
    assert preflight.status_code != 429  # a CORS preflight is never metered


def test_a_signed_in_caller_spends_the_same_bucket_on_every_route(
    make_bastion: BastionFactory,
) -> None:
    """Guarded routes spend the limit with the session read, unguarded ones alone: one
    bucket either way, and a valid token does not get past it."""
    bastion = make_bastion(rate_limit_scale=1)
    token = bastion.signed_in("ada@example.com")["access_token"]
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.32"}}
    capacity = LIMITS[Rule.API].capacity
    for n in range(capacity):
        path = "/me" if n % 2 else "/me/sessions"
        assert bastion.call("GET", path, token, **address).status_code == 200
    refused = [
        bastion.call("GET", "/me", token, **address),
        bastion.call("GET", "/me", "forged", **address),
        bastion.call("POST", "/auth/login", json={}, **address),
    ]
    assert [r.status_code for r in refused] == [429] * 3
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)


def test_a_guarded_route_refuses_a_stranger_before_it_reads_the_body(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion()
    for kwargs in ({"data": "<xml/>", "content_type": "text/xml"}, {"json": {"nope": 1}}):
        refused = bastion.call("PATCH", "/me", "forged", **kwargs)
        assert (refused.status_code, refused.json["code"]) == (401, "invalid_token")
