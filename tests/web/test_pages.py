"""Every page of the console renders, under its Content-Security-Policy and ``no-store``;
refusals are pages a person can act on, never problem+json."""

from __future__ import annotations

import re

import pytest

from application.account.create_admin import CreateAdminCommand
from entrypoints.web import providers
from entrypoints.web.providers import Provider
from tests.web.conftest import PASSWORD, BastionFactory, Browser, text

ADA = "ada@example.com"
SOMEONE = "0193a5c2-6b10-7a2e-8d4c-1f2e3a4b5c6d"
ANONYMOUS_PAGES = [
    "/account/sign-in",
    "/account/sign-up",
    "/account/sign-up/verify",
    "/account/forgot-password",
    "/account/reset-password",
]
SIGNED_IN_PAGES = [
    "/account",
    "/account/security",
    "/account/passkeys",
    "/account/sessions",
    "/account/events",
    "/account/exports",
    "/account/tasks/trash",
]
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _assert_page_headers(headers: object) -> None:
    assert headers.get("Content-Security-Policy") == CONSOLE_CSP
    assert headers.get("Cache-Control") == "no-store"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "no-referrer"


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_every_sign_in_page_renders_under_the_strict_policy(browser: Browser, path: str) -> None:
    page = browser.get(path)

    assert page.status_code == 200
    assert page.mimetype == "text/html"
    _assert_page_headers(page.headers)
    html = page.get_data(as_text=True)
    assert "<script>" not in html
    assert " style=" not in html
    assert re.search(r"<label for=\"[^\"]+\">", html)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_every_account_page_renders_for_a_signed_in_person(browser: Browser, path: str) -> None:
    browser.signed_up_and_in(ADA)

    page = browser.get(path)

    assert page.status_code == 200, text(page)
    _assert_page_headers(page.headers)
    assert "Ada Lovelace" in text(page)
    assert " style=" not in page.get_data(as_text=True)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_account_pages_send_a_visitor_without_a_session_to_sign_in(
    browser: Browser, path: str
) -> None:
    page = browser.get(path)

    assert page.status_code == 303
    assert page.headers["Location"].startswith("/account/sign-in?next=")


def test_signing_in_comes_back_to_the_page_asked_for_and_never_to_another_site(
    browser: Browser,
) -> None:
    browser.sign_up(ADA)
    asked = browser.get("/account/events?type=login.succeeded")
    assert (
        asked.headers["Location"] == "/account/sign-in?next=/account/events?type%3Dlogin.succeeded"
    )

    back = browser.post(
        "/account/sign-in",
        {"email": ADA, "password": PASSWORD, "next": "/account/events?type=login.succeeded"},
    )
    assert back.headers["Location"] == "/account/events?type=login.succeeded"
    browser.post("/account/sign-out")
    browser.get("/account/sign-in")

    elsewhere = browser.post(
        "/account/sign-in", {"email": ADA, "password": PASSWORD, "next": "//evil.example/x"}
    )
    assert elsewhere.headers["Location"] == "/account"


def test_static_assets_come_from_the_package_and_may_be_cached(browser: Browser) -> None:
    for name, kind in [
        ("console.css", "text/css"),
        ("console.js", "text/javascript"),
        ("passkeys.js", "text/javascript"),
    ]:
        asset = browser.get(f"/account/static/{name}")
        assert asset.status_code == 200
        assert asset.mimetype == kind
        assert asset.headers["Content-Security-Policy"] == CONSOLE_CSP
        assert asset.headers.get("Cache-Control") != "no-store"
        assert "Set-Cookie" not in asset.headers


def test_a_wrong_password_is_a_page_that_says_what_to_do(browser: Browser) -> None:
    browser.sign_up(ADA)
    browser.get("/account/sign-in")

    page = browser.post("/account/sign-in", {"email": ADA, "password": "not the password at all"})

    assert page.status_code == 401
    assert page.mimetype == "text/html"
    assert "That email and password don't match" in text(page)
    assert 'value="ada@example.com"' in page.get_data(as_text=True)  # kept; the password not
    assert "not the password at all" not in page.get_data(as_text=True)


def test_a_field_the_api_would_refuse_is_refused_beside_it(browser: Browser) -> None:
    browser.get("/account/sign-up")

    page = browser.post(
        "/account/sign-up",
        {"email": "not-an-address", "password": "short", "first_name": "", "last_name": "L"},
    )

    assert page.status_code == 422
    words = text(page)
    assert "Check the fields marked below." in words
    assert 'aria-invalid="true"' in page.get_data(as_text=True)
    assert browser.bastion.mail.sent == []


def test_a_weak_password_names_the_rule(browser: Browser) -> None:
    browser.get("/account/sign-up")

    page = browser.post(
        "/account/sign-up",
        {"email": ADA, "password": "passwordpassword", "first_name": "Ada", "last_name": "L"},
    )

    assert page.status_code == 422
    assert "password" in text(page).lower()
    assert browser.bastion.mail.sent == []


def test_an_unknown_address_under_account_is_the_consoles_own_page(browser: Browser) -> None:
    page = browser.get("/account/no/such/page")

    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "Page not found" in text(page)
    _assert_page_headers(page.headers)


def test_a_rate_limit_is_explained_with_the_wait(make_bastion: BastionFactory) -> None:
    browser = Browser(make_bastion(rate_limit_scale=1))
    browser.get("/account/forgot-password")
    answers = [
        browser.post("/account/forgot-password", {"email": f"x{i}@example.com"}) for i in range(6)
    ]

    refused = answers[-1]
    assert [a.status_code for a in answers[:5]] == [303] * 5
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert int(refused.headers["Retry-After"]) > 0
    assert re.search(
        r"Too many attempts\. Please wait \d+ (minute|second)s? and try again", text(refused)
    )


def test_the_whole_api_limit_answers_a_page_too(make_bastion: BastionFactory) -> None:
    browser = Browser(make_bastion(rate_limit_scale=0.01))  # 3 requests a minute

    answers = [browser.get("/account/sign-in") for _ in range(5)]

    refused = answers[-1]
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "Please slow down" in text(refused)


def test_administration_pages_refuse_anyone_but_an_administrator(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)

    for path in ["/account/admin/users", f"/account/admin/users/{SOMEONE}"]:
        page = browser.get(path)
        assert page.status_code == 403
        assert "This page is for administrators" in text(page)
    for action in ["disable", "enable", "sign-out"]:
        assert browser.post(f"/account/admin/users/{SOMEONE}/{action}").status_code == 403
    menu = re.findall(r"<li><a href=\"[^\"]+\"[^>]*>([^<]+)</a></li>", browser.pages[-1])
    assert "Security" in menu
    assert "Users" not in menu


def test_an_administrator_finds_views_disables_and_enables_an_account(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion()
    Browser(bastion).signed_up_and_in(ADA)
    bastion.container.create_admin()(CreateAdminCommand("root@example.com", PASSWORD))
    admin = Browser(bastion)
    admin.sign_in("root@example.com")

    found = admin.get("/account/admin/users?q=ADA")
    assert found.status_code == 200
    user_path = re.search(
        r'href="(/account/admin/users/[0-9a-f-]{36})"', found.get_data(as_text=True)
    )
    assert user_path is not None
    detail = admin.get(user_path.group(1))
    assert "ada@example.com" in text(detail)
    assert "Active" in text(detail)

    disabled = admin.post(f"{user_path.group(1)}/disable")
    assert disabled.status_code == 303
    assert "disabled and signed out everywhere" in text(admin.get(disabled.headers["Location"]))
    assert Browser(bastion).sign_in(ADA).status_code == 403

    admin.post(f"{user_path.group(1)}/enable")
    assert Browser(bastion).sign_in(ADA).status_code == 303
    signed_out = admin.post(f"{user_path.group(1)}/sign-out")
    assert "signed out everywhere" in text(admin.get(signed_out.headers["Location"]))


class _TwoProviders:
    def configured(self) -> tuple[Provider, ...]:
        return (Provider("google", "Google"), Provider("github", "GitHub"))


def test_sign_in_offers_each_configured_provider_and_none_when_none_is(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion()
    plain = Browser(bastion).get("/account/sign-in")
    providers.install(bastion.app.extensions, _TwoProviders())

    offered = Browser(bastion).get("/account/sign-in")

    assert "Continue with" not in text(plain)
    assert "Continue with Google" in text(offered)
    assert "Continue with GitHub" in text(offered)
    assert 'href="/account/oauth/google/start"' in offered.get_data(as_text=True)
