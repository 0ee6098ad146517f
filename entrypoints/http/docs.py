"""OpenAPI helpers: document the problem responses a route can give, in one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_smorest import Blueprint

from entrypoints.http.schemas.common import ProblemResponse

_DESCRIPTIONS = {
    400: "Malformed body, or a wrong, expired or used code or token",
    401: "Missing, malformed, expired or revoked credentials",
    403: "Not allowed (the code says why)",
    404: "Not found",
    409: "Conflicts with the current state",
    410: "Gone: the window to act has passed",
    413: "Body too large",
    415: "Body is not application/json",
    422: "Invalid fields (see errors)",
    429: "Rate limited; see Retry-After",
    503: "A dependency is unavailable; see Retry-After",
}


def problems(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """Stack one documented problem+json response per status, plus 415/422/429/503."""
    every = sorted({*statuses, 429, 503})

    def decorate(view: Any) -> Any:
        for status in every:
            view = blp.alt_response(
                status,
                schema=ProblemResponse,
                description=_DESCRIPTIONS[status],
                content_type="application/problem+json",
            )(view)
        return view

    return decorate
