"""Every route the OpenAPI document says needs a bearer token is guarded where the request
hook can see it (``guard_of``): so its caller is proven before the body is read, and the
API-wide limit is spent in the session read's round trip."""

from __future__ import annotations

import re

from entrypoints.http.guard import guard_of
from tests.api.conftest import Bastion, BastionFactory


def test_every_bearer_route_carries_its_guard(bastion: Bastion) -> None:
    app = bastion.app
    paths = bastion.client.get("/openapi.json").json["paths"]
    bearer = {
        (method.upper(), path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and {"bearerAuth": []} in operation.get("security", [])
    }
    guarded = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        view = app.view_functions[rule.endpoint]
        for method in rule.methods or ():
            if (method, path) in bearer and guard_of(view) is not None:
                guarded.add((method, path))

    assert len(bearer) > 40
    assert bearer - guarded == set()


def test_a_preflight_to_a_guarded_route_is_neither_proven_nor_metered(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=0.01)  # three units a minute
    address = {"environ_base": {"REMOTE_ADDR": "198.51.100.40"}}
    preflights = [bastion.call("OPTIONS", "/me", **address) for _ in range(10)]

    assert {answer.status_code for answer in preflights} == {200}
    assert bastion.call("GET", "/me", **address).status_code == 401
