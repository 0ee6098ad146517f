"""What every response carries and every request leaves behind: the request id, the
security headers, CORS for the listed origins, and one JSON access-log line.

This is WSGI middleware rather than Flask hooks: here each of those is a list append on
the way out, where as ``after_request`` hooks (werkzeug's header validation, context-local
lookups) they cost more than the whole ``GET /me`` behind them. It sits inside
``ProxyFix``, so ``https`` is the scheme the trusted proxy reported.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from entrypoints.logs import log_fields
from entrypoints.metrics import UNMATCHED, observe_request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("bastion.access")

REQUEST_ID = "bastion.request_id"
PRINCIPAL = "bastion.principal"
ROUTE = "bastion.route"
"""The matched route's template, set where the route is known, for the request metrics."""
"""Keys in the WSGI environ: the request's id, and who the guard proved the caller is."""
PAGE = "bastion.page"
"""Set by a view under ``/api/`` that answers a page for a person (the confirmation of a
provider link, or a refusal of it or of a provider callback): the page gets the
console's stylesheet and pictures, and still no script."""

_OFFERED_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")  # fullmatch: "$" would let "\n" end it
_API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)
_CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The account console's pages: every script, style and picture from this origin (no
inline script or style at all, so no nonce either); forms post only here."""
_API_PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""A page under ``/api/``: the console's stylesheet and icon, no script at all, never in a
frame (a confirmation must not be clickjacked). No ``form-action``: its one form answers
with a redirect to the provider, which Chromium would hold ``form-action`` to."""
_ALWAYS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
_API = [*_ALWAYS, ("Content-Security-Policy", _API_CSP), ("Cache-Control", "no-store")]
_API_PAGE = [
    *_ALWAYS,
    ("Content-Security-Policy", _API_PAGE_CSP),
    ("Cache-Control", "no-store"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
_DOCS = [
    *_ALWAYS,
    ("Content-Security-Policy", _DOCS_CSP),
    ("Cross-Origin-Opener-Policy", "same-origin"),  # the one HTML page
]
_CONSOLE = [
    *_ALWAYS,
    ("Content-Security-Policy", _CONSOLE_CSP),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
_OTHER = [*_ALWAYS, ("Content-Security-Policy", _API_CSP)]
_HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
_CORS = [
    ("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID"),
    ("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE"),
    ("Access-Control-Expose-Headers", "X-Request-ID, Retry-After"),
    ("Access-Control-Max-Age", "600"),
]
_PER_REQUEST = ("X-Request-ID", "Access-Control-Allow-Origin", "Vary")  # Vary: merged
_OWNED = frozenset(name.lower() for name, _ in [*_API, *_DOCS, *_CORS, _HSTS]) | {
    name.lower() for name in _PER_REQUEST
}
"""Headers set here: whatever the view said for them is replaced, or dropped where this
path sets none (a view's own Cross-Origin-Opener-Policy outside ``/docs``)."""
_OWNED_OUTSIDE_API = _OWNED - {"cache-control"}
"""Outside ``/api/`` a view's own ``Cache-Control`` stays (avatars are cached publicly)."""


class RequestIds:
    """Unique request ids without a system call each: a random prefix per process, made
    by the id generator (a fork makes a new one before any thread can ask), then a
    counter."""

    def __init__(self, random_hex: Callable[[], str]) -> None:
        self._random_hex = random_hex
        self._restart()
        restart = weakref.WeakMethod(self._restart)
        os.register_at_fork(after_in_child=lambda: (method := restart()) and method())

    def _restart(self) -> None:
        self._prefix = self._random_hex()
        self._counter = itertools.count()

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter):016x}"


class Envelope:
    def __init__(
        self, app: WSGIApplication, new_id: Callable[[], str], cors_origins: Iterable[str]
    ) -> None:
        self._app = app
        self._new_id = new_id
        self._origins = frozenset(cors_origins)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter_ns()
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _OFFERED_ID.fullmatch(offered) else self._new_id()
        environ[REQUEST_ID] = request_id
        path: str = environ.get("PATH_INFO", "")

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            own, vary = [], []
            for name, value in headers:
                lowered = name.lower()
                if lowered == "vary":
                    vary.append(value)
                elif lowered not in owned:
                    own.append((name, value))
            if self._origins:  # answers differ by Origin only where some are allowed
                vary = _with_origin(vary)
            if vary:
                own.append(("Vary", ", ".join(vary)))
            own.extend(self._headers(environ, path, request_id))
            _log(environ, path, status, started)
            return start_response(status, own, exc_info)

        owned = _OWNED if path.startswith("/api/") else _OWNED_OUTSIDE_API
        return self._app(environ, start)

    def _headers(
        self, environ: WSGIEnvironment, path: str, request_id: str
    ) -> list[tuple[str, str]]:
        if path.startswith("/api/"):
            added = [("X-Request-ID", request_id), *(_API_PAGE if environ.get(PAGE) else _API)]
        elif path.startswith("/docs"):
            added = [("X-Request-ID", request_id), *_DOCS]
        elif path == "/account" or path.startswith("/account/"):
            added = [("X-Request-ID", request_id), *_CONSOLE]
        else:
            added = [("X-Request-ID", request_id), *_OTHER]
        if environ.get("wsgi.url_scheme") == "https":
            added.append(_HSTS)
        origin = environ.get("HTTP_ORIGIN", "").rstrip("/")
        if origin and origin in self._origins:
            added.append(("Access-Control-Allow-Origin", origin))
            added.extend(_CORS)
        return added


def _with_origin(vary: list[str]) -> list[str]:
    named = {part.strip().lower() for value in vary for part in value.split(",")}
    return vary if "origin" in named or "*" in named else [*vary, "Origin"]


def _log(environ: WSGIEnvironment, path: str, status: str, started: int) -> None:
    method = environ.get("REQUEST_METHOD", "")
    seconds = (time.perf_counter_ns() - started) / 1e9
    observe_request(method, environ.get(ROUTE, UNMATCHED), int(status[:3]), seconds)
    if not log.isEnabledFor(logging.INFO):
        return
    principal = environ.get(PRINCIPAL)
    log_fields(
        log,
        logging.INFO,
        "request",
        {
            "request_id": environ[REQUEST_ID],
            "method": method,
            "path": path if path.isascii() else _utf8(path),
            "status": int(status[:3]),
            "duration_ms": (time.perf_counter_ns() - started) // 10_000 / 100,  # to 0.01 ms, down
            "user_id": _text(principal.user_id) if principal else None,
            "session_id": _text(principal.session_id) if principal else None,
        },
    )


def _utf8(path: str) -> str:
    """WSGI hands the path over as Latin-1; clients send UTF-8."""
    return path.encode("latin-1", "replace").decode("utf-8", "replace")


@functools.lru_cache(maxsize=65_536)
def _text(uuid: UUID) -> str:
    """The same few ids are logged request after request; ``str(UUID)`` is not free."""
    return str(uuid)
