"""The few JSON answers of the console: WebAuthn options for its script, which cannot be
a page. A refusal is ``{"error": sentence}`` with the status it would have as a page, so
the script can show the same words a page would."""

from __future__ import annotations

from flask import Response, jsonify

from domain.errors import DomainError, RateLimitedError, UnavailableError
from entrypoints.http.problems import STATUS_BY_KIND
from entrypoints.web.messages import describe


def refused(error: DomainError) -> Response:
    response = jsonify(error=describe(error))
    response.status_code = STATUS_BY_KIND[error.kind]
    if isinstance(error, RateLimitedError | UnavailableError):
        response.headers["Retry-After"] = str(error.retry_after)
    return response
