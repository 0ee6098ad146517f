"""The browser's session: its cookies and their flags, the CSRF token every change needs,
and the API's revocation, expiry, rotation and reuse detection applied to it."""

from __future__ import annotations

import pytest

from entrypoints.settings import Settings
from entrypoints.web.cookies import CookiePolicy
from tests.web.conftest import PASSWORD, BastionFactory, Browser, text

ADA = "ada@example.com"


def _set_cookies(headers: object) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, as sent."""
    lines = headers.getlist("Set-Cookie")
    return {line.split("=", 1)[0]: line for line in lines}


def test_the_session_cookies_are_httponly_secure_lax_and_kept_to_the_console(
    browser: Browser,
) -> None:
    browser.sign_up(ADA)
    browser.get("/account/sign-in")

    signed_in = browser.post("/account/sign-in", {"email": ADA, "password": PASSWORD})

    sent = _set_cookies(signed_in.headers)
    for name in ("bastion_access", "bastion_refresh"):
        flags = [part.strip().lower() for part in sent[name].split(";")]
        assert "httponly" in flags
        assert "secure" in flags  # the public URL is https
        assert "samesite=lax" in flags
        assert "path=/account" in flags
    assert "max-age=2592000" in sent["bastion_refresh"].lower()
    html = "".join(browser.pages)
    for name in ("bastion_access", "bastion_refresh"):
        value = browser.cookie(name)
        assert value
        assert value not in html


def test_plain_http_on_localhost_in_development_drops_only_the_secure_flag(
    make_bastion: BastionFactory,
) -> None:
    browser = Browser(make_bastion(env="development", public_url="http://localhost:8000"))

    page = browser.get("/account/sign-in")

    flags = [p.strip().lower() for p in _set_cookies(page.headers)["bastion_csrf"].split(";")]
    assert "secure" not in flags
    assert "httponly" in flags
    assert "samesite=lax" in flags


def test_outside_development_plain_http_still_marks_cookies_secure(
    make_bastion: BastionFactory,
) -> None:
    browser = Browser(make_bastion(env="test", public_url="http://localhost:8000"))

    page = browser.get("/account/sign-in")

    assert "Secure" in _set_cookies(page.headers)["bastion_csrf"]
    production = Settings(env="production", public_url="http://localhost:8000")
    assert CookiePolicy.of(production).secure
    remote = Settings(env="development", public_url="http://bastion.internal:8000")
    assert CookiePolicy.of(remote).secure


@pytest.mark.parametrize("token", ["", "forged-token", "a" * 64])
def test_a_post_without_this_browsers_token_is_refused_and_changes_nothing(
    browser: Browser, token: str
) -> None:
    browser.sign_up(ADA)
    browser.get("/account/sign-in")

    refused = browser.post("/account/sign-in", {"email": ADA, "password": PASSWORD}, csrf=token)

    assert refused.status_code == 403
    assert refused.mimetype == "text/html"
    assert "This form has expired" in text(refused)
    assert browser.cookie("bastion_access") is None


def test_a_signed_in_change_needs_the_token_of_this_very_session(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion()
    ada, other = Browser(bastion), Browser(bastion)
    ada.signed_up_and_in(ADA)
    other.signed_up_and_in("bob@example.com")
    ada.get("/account")

    forged = ada.post("/account/profile", {"first_name": "Mallory"}, csrf=other.token)
    missing = ada.post("/account/profile", {"first_name": "Mallory"}, csrf="")

    assert forged.status_code == missing.status_code == 403
    assert "Mallory" not in text(ada.get("/account"))
    saved = ada.post("/account/profile", {"first_name": "Augusta", "last_name": "King"})
    assert saved.status_code == 303
    assert "Augusta King" in text(ada.get("/account"))


def test_the_anonymous_token_is_bound_to_this_browser(make_bastion: BastionFactory) -> None:
    bastion = make_bastion()
    victim, attacker = Browser(bastion), Browser(bastion)
    attacker.get("/account/sign-in")
    victim.get("/account/sign-in")

    forged = victim.post("/account/forgot-password", {"email": ADA}, csrf=attacker.token)

    assert forged.status_code == 403
    assert bastion.mail.sent == []


def test_the_scripts_json_endpoints_want_the_token_in_a_header(browser: Browser) -> None:
    browser.get("/account/sign-in")

    refused = browser.client.post("/account/sign-in/passkey-options")
    allowed = browser.client.post(
        "/account/sign-in/passkey-options", headers={"X-CSRF-Token": browser.token}
    )

    assert refused.status_code == 403
    assert allowed.status_code == 200
    assert allowed.json is not None
    assert "challenge" in allowed.json["options"]
    assert browser.cookie("bastion_passkey")


def test_signing_a_device_out_elsewhere_signs_the_browser_out_on_its_next_request(
    browser: Browser,
) -> None:
    browser.signed_up_and_in(ADA)
    phone = browser.bastion.log_in(ADA).json["access_token"]
    listed = browser.bastion.call("GET", "/me/sessions", token=phone).json["items"]
    laptop = next(item["id"] for item in listed if not item["current"])

    assert browser.bastion.call("DELETE", f"/me/sessions/{laptop}", token=phone).status_code == 204
    page = browser.get("/account/security")

    assert page.status_code == 303
    assert page.headers["Location"].startswith("/account/sign-in?next=")
    assert "done=session_ended" in page.headers["Location"]
    assert browser.cookie("bastion_access") is None
    assert browser.cookie("bastion_refresh") is None
    assert "Your session has ended" in text(browser.get(page.headers["Location"]))


def test_a_form_sent_after_the_session_ended_asks_to_sign_in_again(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    browser.get("/account")
    phone = browser.bastion.log_in(ADA).json["access_token"]
    browser.bastion.call("POST", "/me/sessions/revoke-others", token=phone)

    late = browser.post("/account/profile", {"first_name": "Mallory", "last_name": "X"})

    assert late.status_code == 303
    assert late.headers["Location"] == "/account/sign-in?done=session_ended"
    assert browser.bastion.call("GET", "/me", token=phone).json["first_name"] == "Ada"


def test_an_expired_access_token_is_renewed_with_a_rotated_refresh_token(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    first_access, first_refresh = (
        browser.cookie("bastion_access"),
        browser.cookie("bastion_refresh"),
    )
    browser.bastion.clock.advance(minutes=16)

    page = browser.get("/account")

    assert page.status_code == 200
    assert browser.cookie("bastion_access") not in (None, first_access)
    assert browser.cookie("bastion_refresh") not in (None, first_refresh)


def test_a_refresh_cookie_replayed_after_its_rotation_ends_the_session(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    stolen = browser.cookie("bastion_refresh")
    assert stolen is not None
    browser.bastion.clock.advance(minutes=16)
    assert browser.get("/account").status_code == 200  # the owner's browser rotates it
    thief = Browser(browser.bastion)
    thief.client.set_cookie("bastion_refresh", stolen, path="/account")
    browser.bastion.clock.advance(seconds=5)  # past the two-tab grace window

    assert thief.get("/account").status_code == 303
    browser.bastion.clock.advance(minutes=16)
    owner = browser.get("/account")

    assert owner.status_code == 303  # reuse detection revoked the whole session
    user_id = browser.bastion.log_in(ADA).json["user"]["id"]
    assert "token.reuse_detected" in browser.bastion.events(user_id)


def test_a_refresh_that_lost_a_race_is_sent_again_with_the_same_method(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    old_refresh = browser.cookie("bastion_refresh")
    assert old_refresh is not None
    browser.bastion.clock.advance(minutes=16)
    browser.get("/account")  # the first tab rotated the token
    other_tab = Browser(browser.bastion)
    other_tab.client.set_cookie("bastion_refresh", old_refresh, path="/account")

    raced = other_tab.client.post("/account/profile", data={"first_name": "X"})

    assert raced.status_code == 307
    assert raced.headers["Location"] == "/account/profile"


def test_signing_out_ends_the_session_for_the_api_too(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    access = browser.cookie("bastion_access")
    assert access is not None
    browser.get("/account")

    out = browser.post("/account/sign-out")

    assert out.headers["Location"] == "/account/sign-in?done=signed_out"
    assert browser.cookie("bastion_access") is None
    assert browser.bastion.call("GET", "/me", token=access).status_code == 401
