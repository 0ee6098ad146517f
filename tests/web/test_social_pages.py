"""Social sign-in on the console, against the fake Google, GitHub and Apple on loopback:
the "Continue with …" buttons of the configured providers, and the page the flow comes
back to (``/account/oauth/callback``): a code signs the browser in as a password would,
an error is a sentence on the sign-in page, a link goes to the security page; linking
goes through the API's page that asks to confirm."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from tests.api.conftest import Bastion, BastionFactory
from tests.support.social import Browser as ProviderBrowser
from tests.support.social import ProviderSet, query_of
from tests.web.conftest import PASSWORD, Browser, text

PUBLIC_URL = "https://bastion.example"
CALLBACK = f"{PUBLIC_URL}/account/oauth/callback"
_APPLE = ("oauth_apple_client_id", "oauth_apple_team_id", "oauth_apple_key_id")


@pytest.fixture
def social(make_bastion: BastionFactory, fakes: ProviderSet) -> Bastion:
    fakes.reset()
    return make_bastion(**fakes.settings())


def back_from(bastion: Bastion, provider: str, browser: Browser | None = None) -> str:
    """Start at the console's "Continue with …" in ``browser`` (its cookies), go round the
    provider, and answer the console callback the trip ends at (path and query)."""
    start = (browser or Browser(bastion)).get(f"/account/oauth/{provider}/start")
    assert start.status_code == 303, text(start)
    redirect_uri = query_of(start.headers["Location"])["redirect_uri"]
    assert redirect_uri.startswith(f"{CALLBACK}?flow=")
    client = bastion.app.test_client(use_cookies=False)

    def send(method: str, path: str, headers: Any, query: Any, form: Any) -> Any:
        return client.open(path, method=method, headers=headers, query_string=query, data=form)

    location = ProviderBrowser(send, PUBLIC_URL).sign_in(provider, redirect_uri)
    assert location.startswith(f"{CALLBACK}?"), location
    return location.removeprefix(PUBLIC_URL)


def test_the_sign_in_page_offers_the_configured_providers_only(
    make_bastion: BastionFactory, fakes: ProviderSet
) -> None:
    settings = {k: v for k, v in fakes.settings().items() if k not in _APPLE}
    bastion = make_bastion(**settings)

    page = text(Browser(bastion).get("/account/sign-in"))

    assert "Continue with Google" in page
    assert "Continue with GitHub" in page
    assert "Continue with Apple" not in page
    assert "Continue with" not in text(Browser(make_bastion()).get("/account/sign-in"))


@pytest.mark.parametrize("provider", ["google", "github", "apple"])
def test_a_provider_code_signs_the_browser_in_with_the_session_cookies(
    social: Bastion, provider: str
) -> None:
    browser = Browser(social)

    answer = browser.get(back_from(social, provider, browser))

    assert answer.status_code == 303
    assert answer.headers["Location"] == "/account"
    assert browser.cookie("bastion_access")
    assert browser.cookie("bastion_refresh")
    assert browser.get("/account").status_code == 200


def test_the_default_allow_list_admits_the_console_callback(
    make_bastion: BastionFactory, fakes: ProviderSet
) -> None:
    fakes.reset()
    settings = {k: v for k, v in fakes.settings().items() if k != "redirect_allowlist"}
    bastion = make_bastion(**settings)
    browser = Browser(bastion)

    assert browser.get(back_from(bastion, "google", browser)).status_code == 303
    assert browser.cookie("bastion_access")


def test_a_provider_code_of_an_account_with_a_second_factor_goes_to_the_second_step(
    social: Bastion,
) -> None:
    first = query_of(back_from(social, "google"))["code"]
    tokens = social.call("POST", "/auth/oauth/exchange", json={"code": first}).json
    social.enable_totp(tokens["access_token"])
    browser = Browser(social)

    answer = browser.get(back_from(social, "google", browser))

    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/account/sign-in/second-step")
    assert browser.cookie("bastion_login")
    assert browser.cookie("bastion_access") is None


def test_a_code_from_another_browser_signs_nobody_in(social: Bastion) -> None:
    path = back_from(social, "google")
    victim = Browser(social)

    answer = victim.get(path)

    assert answer.status_code == 400
    assert "didn't start in this browser" in text(answer)
    assert victim.cookie("bastion_access") is None


def test_a_used_code_is_a_sentence_on_the_sign_in_page(social: Bastion) -> None:
    first = Browser(social)
    path = back_from(social, "google", first)
    code = query_of(path)["code"]
    assert social.call("POST", "/auth/oauth/exchange", json={"code": code}).status_code == 200

    answer = first.get(path)

    assert answer.mimetype == "text/html"
    assert "took too long or was already finished" in text(answer)
    assert first.cookie("bastion_access") is None


def test_an_unconfigured_provider_has_no_start(bastion: Bastion) -> None:
    assert Browser(bastion).get("/account/oauth/google/start").status_code == 404


@pytest.mark.parametrize(
    ("error", "sentence"),
    [
        ("account_exists", "An account already uses that email address"),
        ("email_unverified", "no confirmed email address"),
        ("identity_linked_elsewhere", "already linked to another account"),
        ("provider_unavailable", "couldn't reach the provider"),
        ("identity_rejected", "didn't pass our checks"),
        ("access_denied", "cancelled at the provider"),
        ("<script>made-up</script>", "That sign-in didn't finish"),
    ],
)
def test_an_error_is_a_sentence_on_the_sign_in_page_never_a_problem(
    bastion: Bastion, error: str, sentence: str
) -> None:
    answer = Browser(bastion).get("/account/oauth/callback", query_string={"error": error})

    assert answer.mimetype == "text/html"
    assert sentence in text(answer)
    assert "made-up" not in answer.get_data(as_text=True)
    assert 'action="/account/sign-in"' in answer.get_data(as_text=True)


def test_a_linked_provider_goes_to_the_security_page_with_a_notice(browser: Browser) -> None:
    browser.signed_up_and_in("ada@example.com")

    answer = browser.get("/account/oauth/callback?linked=google")

    assert answer.status_code == 303
    assert "The account is linked" in text(browser.get(answer.headers["Location"]))


def provider_browser(bastion: Bastion) -> ProviderBrowser:
    client = bastion.app.test_client(use_cookies=False)

    def send(method: str, path: str, headers: Any, query: Any, form: Any) -> Any:
        return client.open(path, method=method, headers=headers, query_string=query, data=form)

    return ProviderBrowser(send, PUBLIC_URL)


def link(browser: Browser, provider: str, **proof: str) -> Any:
    browser.get("/account/security")
    return browser.post(f"/account/security/providers/{provider}/link", proof)


def test_a_provider_is_linked_listed_and_unlinked_from_the_security_page(
    social: Bastion,
) -> None:
    browser = Browser(social)
    browser.signed_up_and_in("ada@example.com")
    assert "Link your Google account" in text(browser.get("/account/security"))

    answer = link(browser, "google", password=PASSWORD)

    assert answer.status_code == 303  # a same-origin redirect: form-action 'self' allows it
    location = answer.headers["Location"]
    assert location.startswith("/api/v1/auth/oauth/google/authorize?link=")
    trip = provider_browser(social)
    confirmation = trip.open_link(PUBLIC_URL + location)
    assert "Link your Google account? Your Google account will be linked to the Bastion" in (
        text(confirmation)
    )
    assert "a•••@example.com" in text(confirmation)
    start = trip.confirm(confirmation)
    back = trip.back_to_bastion(trip.at_provider(start.headers["Location"]))
    assert back.headers["Location"] == f"{CALLBACK}?linked=google"
    linked = browser.get(back.headers["Location"].removeprefix(PUBLIC_URL))
    assert linked.status_code == 303
    security = text(browser.get(linked.headers["Location"]))
    assert "The account is linked" in security
    assert "Google Linked grace@example.com" in security
    gone = browser.post("/account/security/providers/google/unlink")
    assert gone.status_code == 303
    after = text(browser.get(gone.headers["Location"]))
    assert "The account is unlinked." in after
    assert "Link your Google account" in after


def test_cancelling_on_the_confirmation_page_is_a_sentence_on_the_security_page(
    social: Bastion,
) -> None:
    browser = Browser(social)
    browser.signed_up_and_in("ada@example.com")
    location = link(browser, "github", password=PASSWORD).headers["Location"]
    page = provider_browser(social).open_link(PUBLIC_URL + location)
    cancel = re.search(r'<a class="[^"]*" href="([^"]+)"[^>]*>Cancel</a>', page.text)
    assert cancel, page.text

    answer = browser.get(unescape(cancel.group(1)).removeprefix(PUBLIC_URL))

    assert "Linking was cancelled, so nothing changed." in text(answer)
    assert "Link your GitHub account" in text(answer)


def test_linking_wants_the_password_and_the_forms_token(social: Bastion) -> None:
    browser = Browser(social)
    browser.signed_up_and_in("ada@example.com")

    wrong = link(browser, "google", password="not the password at all")
    forged = browser.post(
        "/account/security/providers/google/link", {"password": PASSWORD}, csrf="forged"
    )
    unlink_forged = browser.post("/account/security/providers/google/unlink", csrf="")

    assert wrong.status_code in {401, 422}
    assert "Location" not in wrong.headers
    assert "authorize?link=" not in page(wrong)
    assert forged.status_code == unlink_forged.status_code == 403
    assert "Location" not in forged.headers
    assert "authorize?link=" not in page(forged)


def test_the_last_way_to_sign_in_is_not_unlinked(social: Bastion) -> None:
    browser = Browser(social)
    assert browser.get(back_from(social, "google", browser)).status_code == 303
    browser.get("/account/security")

    refused = browser.post("/account/security/providers/google/unlink")

    assert refused.status_code == 409
    assert "only way left to sign in" in text(refused)


def test_a_refused_link_is_a_sentence_on_the_security_page(browser: Browser) -> None:
    browser.signed_up_and_in("ada@example.com")

    answer = browser.get("/account/oauth/callback?error=identity_linked_elsewhere")

    assert answer.mimetype == "text/html"
    assert "already linked to another account" in text(answer)
    assert "Security" in text(answer)


def page(response: Any) -> str:
    body: str = response.get_data(as_text=True)
    return body
