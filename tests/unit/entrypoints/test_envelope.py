"""The WSGI envelope on its own: headers it owns, ids it accepts, one log line each."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pytest

from entrypoints.http.envelope import PAGE, Envelope, RequestIds


def _app(headers: list[tuple[str, str]]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", list(headers))
        return [b"{}"]

    return app


def _call(envelope: Envelope, path: str, **environ: str) -> dict[str, list[str]]:
    got: dict[str, list[str]] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        for name, value in headers:
            got.setdefault(name, []).append(value)

    body = envelope({"PATH_INFO": path, "REQUEST_METHOD": "GET", **environ}, start_response)
    assert list(body) == [b"{}"]
    return got


@pytest.mark.parametrize("offered", ["abc\n", "abc\r\nSet-Cookie: x=1", "a" * 129, "", "ä"])
def test_an_offered_request_id_is_used_only_when_it_is_wholly_safe(offered: str) -> None:
    envelope = Envelope(_app([]), lambda: "generated", ())

    headers = _call(envelope, "/api/v1/me", HTTP_X_REQUEST_ID=offered)

    assert headers["X-Request-ID"] == ["generated"]
    assert _call(envelope, "/api/v1/me", HTTP_X_REQUEST_ID="abc-1.2_3")["X-Request-ID"] == [
        "abc-1.2_3"
    ]


def test_a_views_vary_is_kept_and_its_own_security_headers_are_replaced() -> None:
    view = [("Vary", "Accept-Encoding"), ("Cache-Control", "max-age=60"), ("Referrer-Policy", "x")]
    envelope = Envelope(_app(view), lambda: "id", ["https://app.example"])

    api, media = _call(envelope, "/api/v1/me"), _call(envelope, "/media/avatars/a")

    for headers in (api, media):
        assert headers["Vary"] == ["Accept-Encoding, Origin"]
        assert headers["Referrer-Policy"] == ["no-referrer"]
    assert api["Cache-Control"] == ["no-store"]
    assert media["Cache-Control"] == ["max-age=60"]  # outside /api/ the view decides


def test_a_page_under_the_api_may_have_the_stylesheet_and_still_no_script_nor_frame() -> None:
    def page(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ[PAGE] = True
        start_response("200 OK", [("Content-Security-Policy", "script-src *")])
        return [b"{}"]

    marked = _call(Envelope(page, lambda: "id", ()), "/api/v1/auth/oauth/github/authorize")
    plain = _call(Envelope(_app([]), lambda: "id", ()), "/api/v1/auth/oauth/github/authorize")

    assert marked["Content-Security-Policy"] == [
        "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ]
    assert marked["Cache-Control"] == ["no-store"]
    assert marked["Cross-Origin-Opener-Policy"] == ["same-origin"]
    assert plain["Content-Security-Policy"] == [
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    ]


def test_answers_vary_by_origin_only_where_some_origin_is_allowed() -> None:
    without = Envelope(_app([("Vary", "Accept")]), lambda: "id", ())
    bare = Envelope(_app([]), lambda: "id", ())
    with_cors = Envelope(_app([]), lambda: "id", ["https://app.example"])

    several = Envelope(
        _app([("Vary", "Accept"), ("Vary", "origin")]), lambda: "id", ["https://a.example"]
    )
    assert _call(without, "/api/v1/me")["Vary"] == ["Accept"]
    assert _call(several, "/api/v1/me")["Vary"] == ["Accept, origin"]
    assert "Vary" not in _call(bare, "/api/v1/me")
    allowed = _call(with_cors, "/api/v1/me", HTTP_ORIGIN="https://app.example")
    refused = _call(with_cors, "/api/v1/me", HTTP_ORIGIN="https://evil.example")
    assert allowed["Vary"] == refused["Vary"] == ["Origin"]
    assert allowed["Access-Control-Allow-Origin"] == ["https://app.example"]
    assert "Access-Control-Allow-Origin" not in refused


def test_request_ids_are_unique_within_a_process_and_after_a_fork() -> None:
    prefixes = iter(["parent0000000000", "child00000000000"])
    ids = RequestIds(lambda: next(prefixes))
    first, second = ids(), ids()
    assert first != second
    assert first.startswith("parent")
    assert len(first) == 32

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.write(write_end, ids().encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    in_child = os.read(read_end, 64).decode()
    os.close(read_end)

    assert in_child.startswith("child")
    assert ids().startswith("parent")
