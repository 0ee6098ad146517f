"""What every request goes through in Flask: the API-wide rate limit and JSON-only bodies.
The request id, response headers and access log are WSGI middleware
(:mod:`entrypoints.http.envelope`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Request, Response, current_app

from application.common.throttle import Rule
from domain.social import Provider
from entrypoints.http.api import container, current_request, remote_address
from entrypoints.http.envelope import ROUTE
from entrypoints.http.guard import guard_of, prove
from entrypoints.http.problems import problem
from entrypoints.metrics import UNMATCHED

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from entrypoints.container import Container

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNMETERED = ("/healthz", "/readyz", "/metrics")
_MULTIPART_ROUTES = {("PUT", "/api/v1/me/avatar"): "multipart/form-data"}
_FORM = "application/x-www-form-urlencoded"
_FORM_ROUTES = {
    ("POST", "/api/v1/auth/oauth/apple/callback"): _FORM,
    **{("POST", f"/api/v1/auth/oauth/{p.value}/link/confirm"): _FORM for p in Provider},
}
"""Apple posts its sign-in answer as a form (``response_mode=form_post``); the page that
confirms a provider link posts its form."""


def install(app: Flask) -> None:
    app.before_request(_admit)


def _admit() -> Response | None:
    """One hook, one look through the request proxy, for what every request goes through.
    A guarded route's caller is proven here, before its body is read, and spends the limit
    in the same Redis round trip as the session read."""
    current = current_request()
    method, path = current.method, current.path
    rule = current.url_rule
    current.environ[ROUTE] = rule.rule if rule is not None else UNMATCHED
    if method != "OPTIONS" and not path.startswith(_UNMETERED):
        guard = guard_of(current_app.view_functions.get(current.endpoint or ""))
        if guard is None:
            charge_api(current.environ, container())
        else:
            prove(current.environ, container(), guard, metered=True)
    if method in _BODY_METHODS and path.startswith("/api/"):
        return _json_only(current, method, path)
    return None


def charge_api(environ: WSGIEnvironment, services: Container) -> None:
    """One unit of the API-wide limit for the caller's address, or ``RateLimitedError``:
    every request pays it, but ``OPTIONS`` and the probes (a guarded route's with its
    session read)."""
    services.throttle().charge(Rule.API, remote_address(environ))


def _json_only(current: Request, method: str, path: str) -> Response | None:
    """Bodies are JSON, except on the few routes that take a file upload, which take
    ``multipart/form-data`` and nothing else, and the two that browsers post forms to."""
    has_body = bool(current.content_length) or current.headers.get("Transfer-Encoding")
    route = (method, path)
    expected = _MULTIPART_ROUTES.get(route) or _FORM_ROUTES.get(route, "application/json")
    if has_body and current.mimetype != expected:
        return problem(415, "unsupported_media_type", f"Send the body as {expected}.")
    return None
