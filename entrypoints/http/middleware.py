"""What every request goes through in Flask: the API-wide rate limit (with the caller's
proof on a guarded route: one Redis round trip) and JSON-only bodies. The request id,
response headers and access log are WSGI middleware (:mod:`entrypoints.http.envelope`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Request, current_app
from werkzeug.exceptions import UnsupportedMediaType

from application.common.throttle import Rule
from entrypoints.http.api import container, current_request, remote_address
from entrypoints.http.envelope import ROUTE
from entrypoints.http.guard import guard_of, prove
from entrypoints.metrics import UNMATCHED

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from entrypoints.container import Container

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNMETERED = ("/healthz", "/readyz", "/metrics")
_MULTIPART_ROUTES = {("PUT", "/api/v1/me/avatar"): "multipart/form-data"}
_FORM = "application/x-www-form-urlencoded"
_FORM_ENDPOINTS = frozenset({"oauth.apple_callback", "oauth.confirm_link"})
"""Apple posts its sign-in answer as a form (``response_mode=form_post``); the page that
confirms a provider link posts its form (to any provider's path: an unknown one is a 404
of the route, not a 415)."""


def install(app: Flask) -> None:
    app.before_request(_admit)


def _admit() -> None:
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
        _json_only(current, method, path)


def charge_api(environ: WSGIEnvironment, services: Container) -> None:
    """One unit of the API-wide limit for the caller's address, or ``RateLimitedError``:
    every request pays it, but ``OPTIONS`` and the probes (a guarded route's with its
    session read)."""
    services.throttle().charge(Rule.API, remote_address(environ))


def _json_only(current: Request, method: str, path: str) -> None:
    """Bodies are JSON, except on the few routes that take a file upload, which take
    ``multipart/form-data`` and nothing else, and the two that browsers post forms to.
    The 415 is raised, so it is answered as any refusal of its route is."""
    has_body = bool(current.content_length) or current.headers.get("Transfer-Encoding")
    expected = _MULTIPART_ROUTES.get((method, path)) or (
        _FORM if current.endpoint in _FORM_ENDPOINTS else "application/json"
    )
    if has_body and current.mimetype != expected:
        raise UnsupportedMediaType(f"Send the body as {expected}.")
