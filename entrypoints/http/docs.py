"""OpenAPI helpers: document the problem responses a route can give, in one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from entrypoints.http.api import ApiBlueprint
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


def problems(blp: ApiBlueprint, *statuses: int) -> Callable[[Any], Any]:
    """Document one problem+json response per status, plus 429 and 503, which any route
    can give. One ``doc`` entry for all of them, which ``ApiBlueprint.doc`` adds without
    wrapping the view: each ``alt_response`` would wrap it once more, and every wrapper
    runs on every request, though it only documents."""
    responses = {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {"application/problem+json": {"schema": ProblemResponse}},
        }
        for status in sorted({*statuses, 429, 503})
    }
    document: Callable[[Any], Any] = blp.doc(responses=responses)
    return document
