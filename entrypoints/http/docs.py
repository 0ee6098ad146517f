"""OpenAPI helpers: the problem responses a route can give, in one line; what the schemas
cannot say by their fields (the password policy's bounds as this deployment configures
them, that a partial update changes something)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.passwords import MAX_PASSWORD_LENGTH
from entrypoints.http.api import ApiBlueprint, ProblemApi
from entrypoints.http.schemas.common import ChangeRequest, NewPasswordField, ProblemResponse

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
_PAGE = " (a page, `text/html`, for a browser that prefers HTML to JSON)"


def problems(blp: ApiBlueprint, *statuses: int, page: bool = False) -> Callable[[Any], Any]:
    """Document one problem+json response per status, plus 429 and 503, which any route
    can give; with ``page``, each may also be an HTML page, for a browser (the link
    confirmation's and the provider callbacks', :mod:`entrypoints.http.link_page`). One
    ``doc`` entry for all of them, which ``ApiBlueprint.doc`` adds without wrapping the
    view: each ``alt_response`` would wrap it once more, and every wrapper runs on every
    request, though it only documents."""
    responses = {
        status: {
            "description": _DESCRIPTIONS[status] + (_PAGE if page else ""),
            "content": {
                "application/problem+json": {"schema": ProblemResponse},
                **({"text/html": {"schema": {"type": "string"}}} if page else {}),
            },
        }
        for status in sorted({*statuses, 429, 503})
    }
    document: Callable[[Any], Any] = blp.doc(responses=responses)
    return document


def document_partial_updates(api: ProblemApi) -> None:
    """``minProperties: 1`` on every :class:`ChangeRequest` (an empty change is a 422),
    which marshmallow's converter has no field to say with. Call it after the blueprints
    are registered."""
    schemas = api.spec.components.schemas
    for change in ChangeRequest.__subclasses__():
        if change.__name__ in schemas:
            schemas[change.__name__]["minProperties"] = 1


def document_password_policy(api: ProblemApi, min_length: int) -> None:
    """Give every :class:`NewPasswordField` the configured bounds in the OpenAPI document
    (the field itself takes up to 1 KiB and leaves the verdict to the policy, whose 422
    names the rule). Call it before the blueprints are registered: their schemas are
    converted as they are."""

    def password_bounds(converter: object, field: object, **_: object) -> dict[str, int]:
        if isinstance(field, NewPasswordField):
            return {"minLength": min_length, "maxLength": MAX_PASSWORD_LENGTH}
        return {}

    api.ma_plugin.converter.add_attribute_function(password_bounds)
