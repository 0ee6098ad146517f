"""RFC 9457 problem details: the one shape every error of the API takes.

Domain errors map by kind; HTTP errors (404, 405, 413, 415, ...) keep their status (a
405 names the methods the resource allows in ``Allow``);
flask-smorest's nested validation messages are flattened to ``{field: [messages]}``;
anything unexpected is a bare 500 with no detail of the failure. Only a 401 about the
access token itself (``invalid_token``) carries ``WWW-Authenticate: Bearer`` (RFC 6750
§3); a wrong password, refresh token or code is not a bearer-token challenge.

:func:`answer` is the app's error handler: :func:`note`, then :func:`problem_of`. A
blueprint that answers some refusals otherwise (the link confirmation's page) calls the
two itself.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, has_app_context, json
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from domain.errors import DomainError, ErrorKind, RateLimitedError, UnavailableError
from entrypoints.metrics import count_rate_limited

PROBLEM_MIMETYPE = "application/problem+json"
BEARER_ERROR = "invalid_token"  # a missing, expired, forged or revoked access token
log = logging.getLogger("bastion.http")

STATUS_BY_KIND: Mapping[ErrorKind, int] = {
    ErrorKind.INVALID: 400,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.GONE: 410,
    ErrorKind.VALIDATION: 422,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.TOO_LARGE: 413,
}

_CODE_BY_STATUS: Mapping[int, str] = {
    400: "bad_request",
    401: "invalid_token",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": type_url(code),
        "title": title or _title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = dict(errors)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers.update(headers or {})
    if status == 401 and code == BEARER_ERROR:  # noqa: PLR2004 -- RFC 6750 §3
        response.headers["WWW-Authenticate"] = f'Bearer error="{BEARER_ERROR}"'
    return response


PUBLIC_URL = "BASTION_PUBLIC_URL"
"""The app's config key for ``BASTION_PUBLIC_URL``, the base of every problem type."""


def type_url(code: str) -> str:
    """Where the problem type is described: ``/problems/<code>`` (a page :func:`catalog`
    fills), absolute as RFC 9457 recommends, on ``BASTION_PUBLIC_URL``: like a mail's links,
    never made from the request's ``Host``."""
    base = current_app.config.get(PUBLIC_URL, "") if has_app_context() else ""
    return f"{base}/problems/{code.replace('_', '-')}"


@functools.cache
def catalog() -> dict[str, tuple[int, str]]:
    """Every problem code the API answers with: its status and what it means."""
    known = {code: (status, _title(status)) for status, code in _CODE_BY_STATUS.items()}
    known["malformed_body"] = (400, "The request body is not valid JSON.")
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        error = pending.pop()
        pending.extend(error.__subclasses__())
        known.setdefault(error.code, (STATUS_BY_KIND[error.kind], error.message))
    return dict(sorted(known.items()))


def from_domain(error: DomainError) -> Response:
    status = STATUS_BY_KIND[error.kind]
    headers = {}
    if isinstance(error, RateLimitedError | UnavailableError):
        headers["Retry-After"] = str(error.retry_after)
    errors = getattr(error, "errors", None)
    return problem(status, error.code, error.detail, errors=errors, headers=headers)


def from_http(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if status == 422 and messages:  # noqa: PLR2004
        return problem(
            422, "validation_error", "The request has invalid fields.", errors=flatten(messages)
        )
    if status == 400 and messages:  # noqa: PLR2004 -- webargs: malformed JSON body
        return problem(400, "malformed_body", "The request body is not valid JSON.")
    headers = dict(data.get("headers", {})) if isinstance(data, dict) else {}
    if isinstance(error, MethodNotAllowed) and error.valid_methods:  # RFC 9110 §15.5.6
        headers["Allow"] = ", ".join(sorted(error.valid_methods))
    code = _CODE_BY_STATUS.get(status, f"http_{status}")
    return problem(status, code, error.description or _title(status), headers=headers)


def answer(error: Exception) -> Response:
    """The app's handler for whatever a view or a hook raised."""
    note(error)
    return problem_of(error)


def note(error: Exception) -> None:
    """What an error leaves behind, however it is answered: a rate limit's refusal is
    counted, anything unexpected is logged with its traceback."""
    if isinstance(error, RateLimitedError):
        count_rate_limited(error.bucket)
    elif not isinstance(error, DomainError | HTTPException):
        log.exception("unhandled error", exc_info=error)


def problem_of(error: Exception) -> Response:
    if isinstance(error, DomainError):
        return from_domain(error)
    if isinstance(error, HTTPException):
        return from_http(error)
    return problem(500, "internal_error", "Something went wrong on our side.")


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"json": {"user": {"email": ["bad"]}}}`` → ``{"user.email": ["bad"]}``."""
    if isinstance(messages, list):
        return {prefix or "_body": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in dict(messages).items():
        location_level = not prefix and key in {"json", "query", "form", "files", "headers"}
        name = prefix if location_level else (f"{prefix}.{key}" if prefix else str(key))
        flat.update(flatten(value, name))
    return flat


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
