"""Signing in with a (fake) Google account from the console's sign-in page, in a real
browser: "Continue with Google" goes to the provider on loopback and back, and the
account it made lists Google under linked accounts. The stack is one of its own
(``social_console``), so the other journeys' pages show no provider."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console


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
