"""What every request and response goes through: request id, global rate limit, JSON-only
bodies, security headers, CORS from an exact allow-list, one JSON log line."""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, Response, g, request

from application.common.throttle import Rule
from entrypoints.http.api import client_ip, container
from entrypoints.http.problems import problem

log = logging.getLogger("bastion.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNMETERED = ("/healthz", "/readyz", "/metrics")
_MULTIPART_ROUTES = {("PUT", "/api/v1/me/avatar"): "multipart/form-data"}
_API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)


def install(app: Flask) -> None:
    app.before_request(_start)
    app.before_request(_meter)
    app.before_request(_json_only)
    app.after_request(_headers)
    app.after_request(_log)


def _start() -> None:
    g.started = time.perf_counter()
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _REQUEST_ID.match(offered) else container().ids().new().hex


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


def _headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Request-ID"] = g.get("request_id", "")
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    docs = request.path.startswith("/docs")
    headers["Content-Security-Policy"] = _DOCS_CSP if docs else _API_CSP
    if request.path.startswith("/api/"):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    _cors(response)
    return response


def _cors(response: Response) -> None:
    origin = request.headers.get("Origin", "").rstrip("/")
    response.vary.add("Origin")
    if not origin or origin not in container().settings().cors_origin_list:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-Request-ID"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE"
    response.headers["Access-Control-Expose-Headers"] = "X-Request-ID, Retry-After"
    response.headers["Access-Control-Max-Age"] = "600"


def _log(response: Response) -> Response:
    principal = g.get("principal")
    log.info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(
                (time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2
            ),
            "user_id": str(principal.user_id) if principal else None,
            "session_id": str(principal.session_id) if principal else None,
        },
    )
    return response
