"""A refused link confirmation, as the person sees it: the page ``authorize?link=`` answers
and the post of its form are opened by a browser, so a refusal there (an expired or used
ticket, a forged post, an unknown provider, a limit, an outage) is a readable page at the
problem's status, with the confirmation page's headers, and nothing of the ticket, the
form or the cookie in it. A client that asks for JSON still gets the problem+json."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from application.common.throttle import LIMITS, Rule
from domain.errors import UnavailableError
from tests.api.conftest import Bastion, BastionFactory
from tests.api.test_link_confirmation import CONFIRM_PATH, PAGE_CSP, link_url
from tests.api.test_social_sign_in import browser, links
from tests.support.social import Browser, ProviderSet, post_form, query_of

CHROMIUM = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
"""What Chromium sends with a navigation and with a form's post."""
API_CLIENTS = [
    "application/json",
    "application/problem+json",
    "*/*",
    "",
    "text/html, application/json",
]
"""Clients that do not prefer HTML to JSON ("" sends no ``Accept`` at all; the last
ranks both alike)."""
AUTHORIZE_PATH = "/api/v1/auth/oauth/{provider}/authorize"
EXPIRED = "This link has expired or was already used. Go back to the app and start linking again."
FORGED = (
    "This confirmation did not come from the page Bastion showed in this browser, so nothing "
    "was linked. Start again from the app."
)
BACK_FROM_PROVIDER = (
    "This sign-in or link has expired, was already used or was started in another browser, "
    "so nothing changed. Go back to the app and start again."
)
UNKNOWN = (
    "Linking this kind of account is not available here, so nothing was linked. Go back to the app."
)
Refusal = tuple[Any, list[str]]
"""An answer, and the values the page must not show."""


def person(bastion: Bastion) -> Browser:
    visitor = browser(bastion)
    visitor.accept = CHROMIUM
    return visitor


def client(bastion: Bastion, accept: str = "application/json") -> Browser:
    visitor = browser(bastion)
    visitor.accept = accept or None
    return visitor


def assert_page(answer: Any, status: int, sentence: str, hidden: Sequence[str] = ()) -> str:
    """A page for the person with the confirmation page's headers; its text."""
    assert (answer.status_code, answer.mimetype) == (status, "text/html"), answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Content-Security-Policy"] == PAGE_CSP
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Location" not in answer.headers
    text = html.unescape(answer.text)
    assert sentence in text
    assert 'href="/account/static/console.css"' in text
    assert "<script" not in text
    assert "<form" not in text
    for value in hidden:
        assert value not in answer.text
    return text


def assert_problem(answer: Any, status: int, code: str, hidden: Sequence[str] = ()) -> None:
    assert (answer.status_code, answer.mimetype) == (status, "application/problem+json")
    assert answer.json["code"] == code
    assert {"type", "title", "status", "detail", "code"} <= set(answer.json)
    assert answer.headers["Content-Security-Policy"] != PAGE_CSP
    for value in hidden:
        assert value not in answer.text


# --- the refusals, each as a browser opens it -------------------------------------------
def expired_post(bastion: Bastion, visitor: Browser) -> Refusal:
    page = visitor.open_link(link_url(bastion))
    _, fields = post_form(page.text)
    nonce = visitor.cookies["bastion_link_github"]
    bastion.clock.advance(61)
    return visitor.confirm(page), [fields["link"], fields["confirmation"], nonce]


def used_post(bastion: Bastion, visitor: Browser) -> Refusal:
    page = visitor.open_link(link_url(bastion))
    _, fields = post_form(page.text)
    nonce = visitor.cookies["bastion_link_github"]
    assert visitor.confirm(page).status_code == 303
    visitor.cookies["bastion_link_github"] = nonce  # as if the browser had kept it
    return visitor.visit("POST", CONFIRM_PATH, form=fields), [*fields.values(), nonce]


def cross_site_post(bastion: Bastion, visitor: Browser) -> Refusal:
    """Another site posts the form: the strict cookie stays behind."""
    _, fields = post_form(browser(bastion).open_link(link_url(bastion)).text)
    return visitor.visit("POST", CONFIRM_PATH, form=fields), list(fields.values())


def wrong_proof_post(bastion: Bastion, visitor: Browser) -> Refusal:
    page = visitor.open_link(link_url(bastion))
    _, fields = post_form(page.text)
    nonce = visitor.cookies["bastion_link_github"]
    forged = {**fields, "confirmation": "f" * 64}
    return visitor.visit("POST", CONFIRM_PATH, form=forged), [*fields.values(), nonce, "f" * 64]


def unknown_provider_post(bastion: Bastion, visitor: Browser) -> Refusal:
    form = {"link": "t" * 43, "confirmation": "c" * 64}
    path = "/api/v1/auth/oauth/myspace/link/confirm"
    return visitor.visit("POST", path, form=form), list(form.values())


def expired_page(bastion: Bastion, visitor: Browser) -> Refusal:
    url = link_url(bastion)
    ticket = query_of(url)["link"]
    bastion.clock.advance(61)
    return visitor.open_link(url), [ticket]


def unknown_ticket_page(bastion: Bastion, visitor: Browser) -> Refusal:
    path = AUTHORIZE_PATH.format(provider="github")
    return visitor.visit("GET", path, query={"link": "x" * 43}), ["x" * 43]


def unknown_provider_page(bastion: Bastion, visitor: Browser) -> Refusal:
    path = AUTHORIZE_PATH.format(provider="myspace")
    return visitor.visit("GET", path, query={"link": "x" * 43}), ["x" * 43]


Situation = Callable[[Bastion, Browser], Refusal]
SITUATIONS: dict[str, tuple[Situation, int, str, str]] = {
    "expired post": (expired_post, 400, "invalid_state", EXPIRED),
    "used post": (used_post, 400, "invalid_state", EXPIRED),
    "cross-site post": (cross_site_post, 403, "csrf_failed", FORGED),
    "wrong proof": (wrong_proof_post, 403, "csrf_failed", FORGED),
    "unknown provider post": (unknown_provider_post, 404, "unknown_provider", UNKNOWN),
    "expired page": (expired_page, 400, "invalid_state", EXPIRED),
    "unknown ticket page": (unknown_ticket_page, 400, "invalid_state", EXPIRED),
    "unknown provider page": (unknown_provider_page, 404, "unknown_provider", UNKNOWN),
}


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_a_browser_sees_a_refusal_as_a_readable_page(social: Bastion, situation: str) -> None:
    happen, status, _, sentence = SITUATIONS[situation]

    answer, hidden = happen(social, person(social))

    assert_page(answer, status, sentence, hidden)
    assert "Retry-After" not in answer.headers
    assert not answer.headers.getlist("Set-Cookie")
    assert links(social) == []


@pytest.mark.parametrize("situation", list(SITUATIONS))
def test_a_client_asking_for_json_still_gets_the_problem(social: Bastion, situation: str) -> None:
    happen, status, code, _ = SITUATIONS[situation]

    answer, hidden = happen(social, client(social))

    assert_problem(answer, status, code, hidden)


@pytest.mark.parametrize("accept", API_CLIENTS)
def test_only_a_client_preferring_html_gets_the_page(social: Bastion, accept: str) -> None:
    answer, _ = cross_site_post(social, client(social, accept))

    assert_problem(answer, 403, "csrf_failed")


def test_the_page_is_titled_and_reads_as_the_confirmation_page_does(social: Bastion) -> None:
    answer, _ = cross_site_post(social, person(social))

    text = assert_page(answer, 403, FORGED)
    assert "<title>Nothing was linked · Bastion</title>" in text
    assert "<h1>Nothing was linked</h1>" in text
    assert 'href="/account/static/icon.svg"' in text


def test_a_provider_this_deployment_has_not_configured_is_a_404_page(bastion: Bastion) -> None:
    form = {"link": "t" * 43, "confirmation": "c" * 64}
    path = AUTHORIZE_PATH.format(provider="github")

    posted = person(bastion).visit("POST", CONFIRM_PATH, form=form)
    opened = person(bastion).visit("GET", path, query={"link": "t" * 43})
    asked = client(bastion).visit("POST", CONFIRM_PATH, form=form)

    for answer in (posted, opened):
        assert_page(answer, 404, UNKNOWN, list(form.values()))
    assert_problem(asked, 404, "unknown_provider")


def test_a_limited_confirmation_says_how_long_to_wait(
    make_bastion: BastionFactory, fakes: ProviderSet
) -> None:
    fakes.reset()
    bastion = make_bastion(rate_limit_scale=1, **fakes.settings())
    form = {"link": "t" * 43, "confirmation": "c" * 64}
    visitor = person(bastion)
    statuses = [
        visitor.visit("POST", CONFIRM_PATH, form=form).status_code
        for _ in range(LIMITS[Rule.LOGIN].capacity)
    ]
    assert set(statuses) == {403}

    limited = visitor.visit("POST", CONFIRM_PATH, form=form)
    asked = client(bastion).visit("POST", CONFIRM_PATH, form=form)

    assert_page(limited, 429, "Too many attempts. Please wait", list(form.values()))
    assert int(limited.headers["Retry-After"]) >= 1
    assert "<title>Please slow down · Bastion</title>" in limited.text
    assert_problem(asked, 429, "rate_limited")
    assert int(asked.headers["Retry-After"]) >= 1


def test_an_outage_of_the_ticket_store_is_a_503_page_with_retry_after(
    social: Bastion, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = link_url(social)
    visitor = person(social)
    page = visitor.open_link(url)

    def unreachable(key: str) -> None:
        raise UnavailableError()

    store = social.container.challenges()
    monkeypatch.setattr(store, "take", unreachable)
    monkeypatch.setattr(store, "get", unreachable)

    posted = visitor.confirm(page)
    opened = person(social).open_link(url)
    asked = client(social).open_link(url)

    for answer in (posted, opened):
        assert_page(answer, 503, "Bastion is busy right now. Please try again in 5 seconds.")
        assert answer.headers["Retry-After"] == "5"
    assert_problem(asked, 503, "service_unavailable")
    assert asked.headers["Retry-After"] == "5"


def test_a_malformed_confirmation_is_a_page_too(social: Bastion) -> None:
    visitor = person(social)

    missing = visitor.visit("POST", CONFIRM_PATH, form={"link": "t" * 43})
    empty = visitor.visit("GET", AUTHORIZE_PATH.format(provider="github"), query={"link": ""})

    for answer in (missing, empty):
        assert_page(answer, 422, "Go back and try again.", ["t" * 43])


def test_sign_in_keeps_problem_json_in_a_browser(social: Bastion) -> None:
    """A refused ``authorize?redirect_uri=`` is an app's mistake, for its developer."""
    outside = person(social).visit(
        "GET",
        "/api/v1/auth/oauth/github/authorize",
        query={"redirect_uri": "https://evil.example/"},
    )

    assert_problem(outside, 422, "invalid_redirect_uri")


@pytest.mark.parametrize(
    ("method", "path", "fields"),
    [
        ("GET", "/api/v1/auth/oauth/github/callback", {"state": "s" * 43, "code": "c" * 20}),
        ("POST", "/api/v1/auth/oauth/apple/callback", {"state": "s" * 43, "code": "c" * 20}),
    ],
)
def test_a_browser_back_from_the_provider_with_a_dead_state_sees_a_page(
    social: Bastion, method: str, path: str, fields: dict[str, str]
) -> None:
    """The provider sends the person's browser here; a state unknown, used, expired or
    from another browser has no app address left to go back to."""
    send = {"query": fields} if method == "GET" else {"form": fields}

    seen = person(social).visit(method, path, **send)
    asked = client(social).visit(method, path, **send)

    text = assert_page(seen, 400, BACK_FROM_PROVIDER, ["s" * 43, "c" * 20])
    assert "<h1>Nothing changed</h1>" in text
    assert_problem(asked, 400, "invalid_state", ["c" * 20])


def test_a_used_state_is_a_page_the_second_time(social: Bastion) -> None:
    visitor = person(social)
    confirmed = visitor.confirm(visitor.open_link(link_url(social)))
    at_provider = visitor.at_provider(confirmed.headers["Location"])
    callback = query_of(at_provider.headers["Location"])

    first = visitor.back_to_bastion(at_provider)
    again = visitor.back_to_bastion(at_provider)

    assert first.status_code == 302
    assert_page(again, 400, BACK_FROM_PROVIDER, [callback["state"], callback["code"]])


def test_openapi_says_a_browser_gets_a_page(social: Bastion) -> None:
    paths = social.client.get("/openapi.json").json["paths"]

    confirm = paths["/api/v1/auth/oauth/{provider}/link/confirm"]["post"]
    authorize = paths["/api/v1/auth/oauth/{provider}/authorize"]["get"]
    callback = paths["/api/v1/auth/oauth/{provider}/callback"]["get"]
    for status in ("400", "403", "404", "429", "503"):
        content = confirm["responses"][status]["content"]
        assert {"application/problem+json", "text/html"} <= set(content), status
        assert "browser" in confirm["responses"][status]["description"]
    assert "text/html" in authorize["responses"]["400"]["content"]
    assert "text/html" in callback["responses"]["400"]["content"]
    assert "`text/html`" in confirm["description"]
