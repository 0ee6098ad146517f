"""``redirect_uri`` against the allow-list (SECURITY OA-06): parsed origin and a path
prefix at a ``/`` boundary, and nothing a browser could read differently."""

from __future__ import annotations

import pytest

from domain.redirects import allowed_redirect, parse_allowlist, parse_target, with_params

ALLOWLIST = parse_allowlist(
    "https://app.example.com/cb, http://localhost:8000/, https://xn--bcher-kva.example/"
)


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/cb",
        "https://app.example.com/cb/",
        "https://app.example.com/cb/done?x=1",
        "https://APP.example.com:443/cb",
        "HTTPS://app.example.com/cb",
        "http://localhost:8000/anything/below",
        "https://bücher.example/welcome",
    ],
)
def test_these_redirects_are_admitted(uri: str) -> None:
    assert allowed_redirect(uri, ALLOWLIST)


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com.evil.test/cb",
        "https://app.example.com@evil.test/cb",
        "https://user:pass@app.example.com/cb",
        "https://app.example.com\\@evil.test/cb",
        "https://app.example.com/cb\\..\\admin",
        "//evil.test/cb",
        "/cb",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://app.example.com/cb",
        "http://app.example.com/cb",
        "https://app.example.com/cbx",
        "https://app.example.com/c",
        "https://app.example.com/",
        "https://app.example.com/cb/../admin",
        "https://app.example.com/cb/./x",
        "https://app.example.com/cb/%2e%2e/admin",
        "https://app.example.com/cb/%2E%2e/admin",
        "https://app.example.com/cb%2f..%2fadmin",
        "https://app.example.com:8443/cb",
        "https://app.example.com:99999/cb",
        "https://app.example.com/cb#frag",
        "https://app.example.com/cb\n",
        "https://app.example.com/c\tb",
        "https://app.example.com/cb x",
        "https://app.example.com/cb\x00",
        "https://app.example.com/cb\u2028",
        "http://localhost:8001/",
        "http://127.0.0.1:8000/",
        "https:app.example.com/cb",
        "https:///cb",
        "",
        "https://app.example.com/cb/" + "a" * 2100,
    ],
)
def test_these_redirects_are_refused(uri: str) -> None:
    assert not allowed_redirect(uri, ALLOWLIST)


def test_a_root_prefix_admits_the_whole_origin_and_nothing_else() -> None:
    allowlist = parse_allowlist("http://localhost:8000/")

    assert allowed_redirect("http://localhost:8000/", allowlist)
    assert allowed_redirect("http://localhost:8000", allowlist)
    assert not allowed_redirect("http://localhost:80/", allowlist)


def test_ipv6_literals_compare_by_their_host() -> None:
    allowlist = parse_allowlist("http://[::1]:9000/cb")

    assert allowed_redirect("http://[::1]:9000/cb/x", allowlist)
    assert not allowed_redirect("http://[::2]:9000/cb", allowlist)


@pytest.mark.parametrize(
    "text",
    [
        "app.example.com/cb",
        "https://app.example.com/cb?x=1",
        "https://u@app.example.com/",
        "ftp://x/",
    ],
)
def test_an_allow_list_entry_must_be_an_origin_and_a_path(text: str) -> None:
    with pytest.raises(ValueError, match="URL prefix"):
        parse_allowlist(text)


def test_empty_entries_are_skipped() -> None:
    assert parse_allowlist(" , https://app.example.com/cb ,") == (
        parse_target("https://app.example.com/cb"),
    )


def test_params_join_the_query_and_replace_their_namesakes() -> None:
    assert with_params("https://app.example.com/cb", {"code": "abc"}) == (
        "https://app.example.com/cb?code=abc"
    )
    assert with_params("https://app.example.com/cb?x=1&code=old", {"code": "a b"}) == (
        "https://app.example.com/cb?x=1&code=a+b"
    )
