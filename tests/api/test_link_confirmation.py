"""A provider link asks the person first (account-linking CSRF, RFC 9700 §4.7): the link
ticket's URL answers a page naming the account, and only that page's form, with the
``SameSite=Strict`` cookie the page set in the same browser, goes on to the provider.
Over HTTP against the fake providers on loopback, each step taken by hand as a browser
would."""

from __future__ import annotations

import html
from typing import Any
from uuid import UUID

import pytest

from domain.social import Provider
from tests.api.conftest import Bastion
from tests.api.test_social_sign_in import PUBLIC_URL, browser, links, start_link
from tests.support.fake_providers import Person
from tests.support.social import APP_CALLBACK, ProviderSet, post_form, query_of

CONFIRM_PATH = "/api/v1/auth/oauth/github/link/confirm"
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def link_url(bastion: Bastion, email: str = "ada.lovelace@example.com") -> str:
    """A signed-in account's ``authorization_url`` for GitHub."""
    tokens = bastion.signed_in(email)
    started = start_link(bastion, tokens["access_token"], "github")
    assert started.status_code == 200, started.json
    url: str = started.json["authorization_url"]
    return url


def cookie_header(answer: Any, name: str) -> str:
    found = [value for value in answer.headers.getlist("Set-Cookie") if value.startswith(name)]
    assert len(found) == 1, answer.headers
    return found[0]


def provider_visits(fakes: ProviderSet) -> int:
    """How many browsers GitHub has seen at its authorize endpoint (it counts from start)."""
    return len(fakes.github.counters.authorize_requests)


def owner_of_github(bastion: Bastion) -> list[UUID]:
    return [link.user_id for link in links(bastion) if link.provider is Provider.GITHUB]


def test_the_link_url_answers_a_page_naming_the_masked_account_and_goes_nowhere(
    social: Bastion, fakes: ProviderSet
) -> None:
    url = link_url(social)
    visits = provider_visits(fakes)

    page = browser(social).open_link(url)

    assert (page.status_code, page.mimetype) == (200, "text/html")
    assert "Location" not in page.headers
    assert provider_visits(fakes) == visits
    text = html.unescape(page.text)
    assert "Link your GitHub account?" in text
    assert "a•••@example.com" in text
    assert "ada.lovelace" not in text
    assert "Continue to GitHub" in text
    assert f'href="{APP_CALLBACK}?error=access_denied"' in text
    assert "<script" not in text
    action, fields = post_form(page.text)
    assert action == CONFIRM_PATH
    assert set(fields) == {"link", "confirmation"}
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Content-Security-Policy"] == PAGE_CSP
    cookie = cookie_header(page, "bastion_link_github=")
    for flag in ("HttpOnly", "Secure", "SameSite=Strict", f"Path={CONFIRM_PATH}", "Max-Age=60"):
        assert flag in cookie, cookie
    assert fields["confirmation"] not in cookie  # the form has a digest, not the nonce
    assert not [c for c in page.headers.getlist("Set-Cookie") if c.startswith("bastion_oauth_")]


def test_continuing_on_the_page_goes_to_the_provider_and_the_link_is_made(
    social: Bastion, fakes: ProviderSet
) -> None:
    fakes.github.person = Person(subject="1815", email="ada.work@example.com")
    visitor = browser(social)
    page = visitor.open_link(link_url(social))

    started = visitor.confirm(page)

    assert started.status_code == 303
    assert started.headers["Location"].startswith(fakes.github.url)
    assert "Max-Age=0" in cookie_header(started, "bastion_link_github=")
    assert visitor.cookies.get("bastion_oauth_github")
    back = visitor.back_to_bastion(visitor.at_provider(started.headers["Location"]))
    assert back.headers["Location"] == f"{APP_CALLBACK}?linked=github"
    assert len(owner_of_github(social)) == 1


@pytest.mark.parametrize("forgery", ["no cookie", "a made-up value", "another page's value"])
def test_a_post_not_from_this_browsers_page_is_refused_and_links_nothing(
    social: Bastion, fakes: ProviderSet, forgery: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = link_url(social)
    visitor, elsewhere = browser(social), browser(social)
    page = visitor.open_link(url)
    _, fields = post_form(page.text)
    if forgery == "no cookie":
        visitor.cookies.clear()
    elif forgery == "a made-up value":
        fields["confirmation"] = "0" * 64
    else:
        fields["confirmation"] = post_form(elsewhere.open_link(url).text)[1]["confirmation"]
    visits = provider_visits(fakes)

    refused = visitor.visit("POST", CONFIRM_PATH, form=fields)

    assert (refused.status_code, refused.json["code"]) == (403, "csrf_failed")
    assert refused.mimetype == "application/problem+json"
    assert "Location" not in refused.headers
    assert provider_visits(fakes) == visits
    assert links(social) == []
    refusal = [r for r in caplog.records if r.getMessage() == "link confirmation refused"]
    assert [getattr(r, "provider", None) for r in refusal] == ["github"]
    assert fields["link"] not in caplog.text
    assert fields["confirmation"] not in caplog.text
    again = browser(social)  # the ticket was left alone: its owner can still use it
    assert again.start_link(url).status_code == 303


def test_a_confirmation_works_once(social: Bastion) -> None:
    visitor = browser(social)
    page = visitor.open_link(link_url(social))
    _, fields = post_form(page.text)
    nonce = visitor.cookies["bastion_link_github"]
    assert visitor.visit("POST", CONFIRM_PATH, form=fields).status_code == 303
    visitor.cookies["bastion_link_github"] = nonce  # as if the browser had kept it

    replayed = visitor.visit("POST", CONFIRM_PATH, form=fields)

    assert (replayed.status_code, replayed.json["code"]) == (400, "invalid_state")
    assert "Location" not in replayed.headers


def test_a_ticket_still_expires_60_seconds_after_it_was_made(social: Bastion) -> None:
    url = link_url(social)
    visitor = browser(social)
    page = visitor.open_link(url)
    social.clock.advance(61)

    late = visitor.confirm(page)

    assert (late.status_code, late.json["code"]) == (400, "invalid_state")
    reopened = browser(social).open_link(url)
    assert (reopened.status_code, reopened.json["code"]) == (400, "invalid_state")
    assert links(social) == []


def test_an_unknown_ticket_or_another_providers_is_refused_without_a_page(
    social: Bastion,
) -> None:
    url = link_url(social)
    ticket = query_of(url)["link"]

    unknown = browser(social).visit(
        "GET", "/api/v1/auth/oauth/github/authorize", query={"link": "x" * 43}
    )
    other = browser(social).visit(
        "GET", "/api/v1/auth/oauth/google/authorize", query={"link": ticket}
    )

    for answer in (unknown, other):
        assert (answer.status_code, answer.json["code"]) == (400, "invalid_state")
        assert not answer.headers.getlist("Set-Cookie")


def test_a_ticket_handed_to_a_victim_links_nothing_without_the_page_in_their_browser(
    social: Bastion, fakes: ProviderSet
) -> None:
    """The attack: Eve asks to link GitHub to her own account and hands the URL on. A page
    of hers auto-submits the confirmation form (with the value Eve's own visit of the page
    showed her) from the victim's browser: cross-site, so without the strict cookie; and
    had the victim opened the page first, that cookie would belong to another value."""
    fakes.github.person = Person(subject="424242", email="victim@example.com")
    url = link_url(social, "eve@example.com")
    _, seen_by_eve = post_form(browser(social).open_link(url).text)
    victim = browser(social)
    visits = provider_visits(fakes)

    cross_site = victim.visit("POST", CONFIRM_PATH, form=seen_by_eve)
    victim.open_link(url)  # the victim's own page leaves its own cookie ...
    with_cookie = victim.visit("POST", CONFIRM_PATH, form=seen_by_eve)  # ... for its own value

    assert (cross_site.status_code, cross_site.json["code"]) == (403, "csrf_failed")
    assert (with_cookie.status_code, with_cookie.json["code"]) == (403, "csrf_failed")
    assert provider_visits(fakes) == visits
    assert links(social) == []
    signed_in = browser(social).sign_in("github")  # the victim's GitHub is still their own
    tokens = social.call("POST", "/auth/oauth/exchange", json={"code": query_of(signed_in)["code"]})
    assert tokens.json["user"]["email"] == "victim@example.com"


def test_cancel_goes_back_to_the_app_with_access_denied(social: Bastion) -> None:
    page = browser(social).open_link(link_url(social))

    cancel = html.unescape(page.text).split('href="')[-1].split('"')[0]

    assert query_of(cancel) == {"error": "access_denied"}
    assert cancel.startswith(APP_CALLBACK)


def test_signing_in_still_goes_straight_to_the_provider(
    social: Bastion, fakes: ProviderSet
) -> None:
    answer = browser(social).authorize("github")

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(fakes.github.url)
    assert [c.split("=")[0] for c in answer.headers.getlist("Set-Cookie")] == [
        "bastion_oauth_github"
    ]
    assert answer.headers["Content-Security-Policy"] != PAGE_CSP


def test_the_confirmation_takes_a_form_not_json(social: Bastion) -> None:
    answer = social.client.post(CONFIRM_PATH, json={"link": "x", "confirmation": "y"})

    assert (answer.status_code, answer.json["code"]) == (415, "unsupported_media_type")


def test_openapi_documents_the_page_and_the_confirmation(social: Bastion) -> None:
    paths = social.client.get("/openapi.json").json["paths"]

    authorize = paths["/api/v1/auth/oauth/{provider}/authorize"]["get"]["responses"]
    confirm = paths["/api/v1/auth/oauth/{provider}/link/confirm"]["post"]
    assert "text/html" in authorize["200"]["content"]
    assert "302" in authorize
    assert {"303", "400", "403", "415", "422"} <= set(confirm["responses"])
    assert "csrf_failed" in confirm["description"]
    assert "application/x-www-form-urlencoded" in confirm["requestBody"]["content"]
    problem = social.client.get("/problems/csrf-failed")
    assert problem.status_code == 200
    assert owner_of_github(social) == []
    assert PUBLIC_URL.startswith("https://")
