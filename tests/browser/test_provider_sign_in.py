"""Signing in with and linking (fake) providers from the console, in a real browser:
"Continue with Google" goes to the provider on loopback and back, and the account it made
lists Google under linked accounts; linking GitHub to a password account goes through the
API's page that names the account and asks to confirm; a form another site posts to that
page's endpoint links nothing, and the person reads why on a page. The stack is one of
its own (``social_console``), so the other journeys' pages show no provider."""

from __future__ import annotations

import html
import secrets

from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, Console, sign_in, unique
from tests.support.fake_providers import Person
from tests.support.social import ProviderSet

ATTACKER = "http://attacker.test/"
FIELDS = ("link", "confirmation")
REFUSED = (
    "This confirmation did not come from the page Bastion showed in this browser, so nothing "
    "was linked. Start again from the app."
)


def test_sign_in_with_a_fake_google_and_find_it_linked(social_console: Console, page: Page) -> None:
    console = social_console
    page.goto(console.url("/account/sign-in"))
    console.shot(page, "sign-in-with-providers")

    page.get_by_role("link", name="Continue with Google").click()

    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert page.url == console.url("/account")
    page.get_by_role("link", name="Security", exact=True).click()
    expect(page.get_by_text("Google Linked")).to_be_visible()
    console.shot(page, "security-linked-accounts")


def test_link_github_from_the_security_page_after_confirming_the_account(
    social_console: Console, fakes: ProviderSet, page: Page
) -> None:
    console, email = social_console, unique("linker")
    fakes.github.person = Person(subject=_github_id(), email="mona@example.com")
    console.registered(email)
    sign_in(console, page, email)
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    page.goto(console.url("/account/security"))
    page.get_by_text("Link your GitHub account").click()
    linking = page.locator("details", has=page.get_by_text("Link your GitHub account"))
    linking.get_by_label("Your password").fill(PASSWORD)

    linking.get_by_role("button", name="Link GitHub").click()

    expect(page.get_by_role("heading", name="Link your GitHub account?")).to_be_visible()
    expect(page.get_by_text(f"{email[0]}•••@example.com")).to_be_visible()
    console.shot(page, "confirm-link")
    page.get_by_role("button", name="Continue to GitHub").click()
    expect(page.get_by_text("GitHub Linked")).to_be_visible()
    assert page.url.startswith(console.url("/account/security"))
    expect(page.get_by_text("mona@example.com")).to_be_visible()


def test_a_form_posted_from_another_site_links_nothing(
    social_console: Console, fakes: ProviderSet, page: Page
) -> None:
    """Eve asks to link GitHub to her own account and gets the victim's browser to open
    the URL; then her site posts the page's form, with the very values the page holds,
    from that browser. Chromium keeps the page's SameSite=Strict cookie off a post from
    another site, so nothing goes on to GitHub (whose consent would be silent); the person
    reads a page saying so, not the API's JSON."""
    console, eve = social_console, unique("eve")
    fakes.github.person = Person(subject=_github_id(), email="victim@example.com")
    console.registered(eve)
    login = {"email": eve, "password": PASSWORD}
    token = console.api("POST", "/auth/login", json=login).json()["access_token"]
    body = {"redirect_uri": console.url("/account/oauth/callback"), "password": PASSWORD}
    url = console.api("POST", "/me/providers/github/link", token=token, json=body).json()[
        "authorization_url"
    ]
    page.goto(url)
    expect(page.get_by_role("button", name="Continue to GitHub")).to_be_visible()
    fields = {name: page.locator(f"input[name={name}]").input_value() for name in FIELDS}
    action = console.url(page.locator("form").get_attribute("action") or "")
    page.route(
        ATTACKER,
        lambda route: route.fulfill(body=_auto_post(action, fields), content_type="text/html"),
    )
    visits = len(fakes.github.counters.authorize_requests)

    page.goto(ATTACKER)

    expect(page.get_by_role("heading", name="Nothing was linked")).to_be_visible()
    expect(page.get_by_text(REFUSED)).to_be_visible()
    console.shot(page, "link-refused")
    assert page.url == action
    assert "csrf_failed" not in page.content()
    assert fields["link"] not in page.content()
    assert fields["confirmation"] not in page.content()
    assert len(fakes.github.counters.authorize_requests) == visits
    assert console.api("GET", "/me/providers", token=token).json()["items"] == []


def _github_id() -> str:
    return str(secrets.randbelow(10**9) + 10**9)


def _auto_post(action: str, fields: dict[str, str]) -> str:
    """Another site's page that posts the form as soon as it loads."""
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        f'<form method="post" action="{html.escape(action)}">{inputs}</form>'
        "<script>document.forms[0].submit()</script>"
    )
