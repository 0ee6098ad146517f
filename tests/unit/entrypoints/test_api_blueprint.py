"""``ApiBlueprint``: flask-smorest's documentation entries, without wrappers."""

from __future__ import annotations

import json

from flask import Response
from flask_smorest import Blueprint

from entrypoints.http.api import ApiBlueprint
from entrypoints.http.schemas.common import UserResponse


def _view() -> str:
    return "ok"


def test_doc_returns_the_view_itself_with_the_entry_smorest_would_add() -> None:
    def view() -> str:
        return "ok"

    documented = ApiBlueprint.doc(summary="Who am I", responses={401: {"description": "no"}})
    stacked = ApiBlueprint.doc(security=[{"bearerAuth": []}], responses={503: {"x": 1}})

    assert stacked(documented(view)) is view
    smorest = Blueprint.doc(security=[{"bearerAuth": []}], responses={503: {"x": 1}})(
        Blueprint.doc(summary="Who am I", responses={401: {"description": "no"}})(_view)
    )
    assert view._apidoc == smorest._apidoc  # type: ignore[attr-defined]
    assert view._apidoc["manual_doc"]["responses"] == {  # type: ignore[attr-defined]
        401: {"description": "no"},
        503: {"x": 1},
    }


def test_ready_response_documents_as_response_does_and_leaves_the_view_unwrapped() -> None:
    def view() -> Response:
        return Response(b"{}", mimetype="application/json")

    ours = ApiBlueprint("ours", __name__)
    theirs = Blueprint("theirs", __name__)

    assert ours.ready_response(200, UserResponse)(ours.doc(summary="me")(view)) is view
    wrapped = theirs.response(200, UserResponse)(Blueprint.doc(summary="me")(_ready))
    assert wrapped is not _ready
    assert _plain(view) == _plain(wrapped)
    assert view._apidoc["success_status_codes"] == [200]  # type: ignore[attr-defined]


def _plain(view: object) -> str:
    """The documentation entries, with each schema instance named by its class."""
    apidoc = view._apidoc  # type: ignore[attr-defined]
    return json.dumps(apidoc, sort_keys=True, default=lambda found: type(found).__name__)


def _ready() -> Response:
    return Response(b"{}", mimetype="application/json")
