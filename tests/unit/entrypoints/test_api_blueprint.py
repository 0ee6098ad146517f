"""``ApiBlueprint``: flask-smorest's documentation entries, without wrappers."""

from __future__ import annotations

from flask_smorest import Blueprint

from entrypoints.http.api import ApiBlueprint


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
