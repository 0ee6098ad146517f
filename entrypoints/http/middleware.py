"""What every request goes through in Flask: the API-wide rate limit and JSON-only bodies.
The request id, response headers and access log are WSGI middleware
(:mod:`entrypoints.http.envelope`)."""

from __future__ import annotations

from flask import Flask, Response, request

from application.common.throttle import Rule
from entrypoints.http.api import client_ip, container
from entrypoints.http.problems import problem

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNMETERED = ("/healthz", "/readyz", "/metrics")
_MULTIPART_ROUTES = {("PUT", "/api/v1/me/avatar"): "multipart/form-data"}


def install(app: Flask) -> None:
    app.before_request(_meter)
    app.before_request(_json_only)


def _meter() -> Response | None:
    if request.method == "OPTIONS" or request.path.startswith(_UNMETERED):
        return None
    container().throttle().charge(Rule.API, client_ip())
    return None


def _json_only() -> Response | None:
    """Bodies are JSON, except on the few routes that take a file upload, which take
    ``multipart/form-data`` and nothing else."""
    if request.method not in _BODY_METHODS or not request.path.startswith("/api/"):
        return None
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
    expected = _MULTIPART_ROUTES.get((request.method, request.path), "application/json")
    if has_body and request.mimetype != expected:
        return problem(415, "unsupported_media_type", f"Send the body as {expected}.")
    return None
