"""Signing up, in and back in through the pages: the email code, the authenticator app
with its backup codes, the second step, texts, and a forgotten password."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pyotp

from tests.web.conftest import PASSWORD, Browser, text

ADA = "ada@example.com"
NEW_PASSWORD = "purple tiger orbits the velvet lamp"


def _turn_on_authenticator(browser: Browser) -> tuple[str, list[str]]:
    browser.get("/account/security")
    setup = browser.post("/account/security/authenticator")
    assert setup.status_code == 200, text(setup)
    html = setup.get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in html
    found = re.search(r'data-secret="([A-Z2-7]+)"', html)
    assert found, "the page shows the secret"
    secret = found.group(1)
    code = pyotp.TOTP(secret).at(browser.bastion.clock.now())
    shown = browser.post("/account/security/authenticator/confirm", {"code": code})
    assert shown.status_code == 200, text(shown)
    codes = re.findall(r"<li>([^<]+)</li>", shown.get_data(as_text=True).split('class="codes"')[1])
    return secret, codes[:10]


def test_a_new_person_signs_up_with_the_mailed_code_and_signs_in(browser: Browser) -> None:
    browser.get("/account/sign-up")
    names = {"first_name": "Ada", "last_name": "Lovelace"}
    sent = browser.post("/account/sign-up", {"email": ADA, "password": PASSWORD, **names})
    assert "We sent a 6-digit code to ada@example.com" in text(sent)

    early = browser.post("/account/sign-in", {"email": ADA, "password": PASSWORD})
    assert early.status_code == 403
    assert "Confirm your email address first" in text(early)
    browser.get("/account/sign-up/verify")
    wrong = browser.post("/account/sign-up/verify", {"email": ADA, "code": "000000"})
    assert "That code is wrong or has expired — send a new one." in text(wrong)
    resent = browser.post("/account/sign-up/resend", {"email": ADA})
    assert "a new one is on its way" in text(resent)
    code = browser.bastion.mail.last_code(ADA)
    confirmed = browser.post("/account/sign-up/verify", {"email": ADA, "code": code})
    assert confirmed.headers["Location"] == "/account/sign-in?done=verified"
    assert "Your email address is confirmed" in text(browser.get(confirmed.headers["Location"]))

    signed_in = browser.post("/account/sign-in", {"email": ADA, "password": PASSWORD})
    assert signed_in.headers["Location"] == "/account"
    assert "Your account" in text(browser.get("/account"))


def test_the_authenticator_app_is_set_up_from_the_page_and_asked_for_at_sign_in(
    browser: Browser,
) -> None:
    browser.signed_up_and_in(ADA)
    secret, codes = _turn_on_authenticator(browser)
    assert len(codes) == 10
    page = browser.pages[-1]
    assert 'download="bastion-backup-codes.txt"' in page
    download = re.search(r'href="data:text/plain;charset=utf-8,([^"]+)"', page)
    assert download
    assert all(c in unquote(download.group(1)) for c in codes)
    security = browser.get("/account/security")
    assert "10 left" in text(security)
    browser.post("/account/sign-out")

    browser.get("/account/sign-in")
    first = browser.post("/account/sign-in", {"email": ADA, "password": PASSWORD})
    assert first.headers["Location"].startswith("/account/sign-in/second-step")
    assert browser.cookie("bastion_access") is None
    step = browser.get(first.headers["Location"])
    assert "Code from your authenticator app" in text(step)
    assert "Backup code" in text(step)
    wrong = browser.post("/account/sign-in/second-step", {"method": "totp", "code": "000000"})
    assert wrong.status_code == 401
    assert "That code didn't work" in text(wrong)

    browser.bastion.clock.advance(seconds=30)  # the setup's step is spent
    code = pyotp.TOTP(secret).at(browser.bastion.clock.now())
    done = browser.post("/account/sign-in/second-step", {"method": "totp", "code": code})

    assert done.status_code == 303
    assert done.headers["Location"] == "/account"
    assert browser.cookie("bastion_login") is None
    assert "Two-step verified" in text(browser.get("/account/sessions"))


def test_a_backup_code_finishes_a_sign_in_once(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    _, codes = _turn_on_authenticator(browser)
    browser.post("/account/sign-out")
    browser.get("/account/sign-in")
    browser.post("/account/sign-in", {"email": ADA, "password": PASSWORD})
    browser.get("/account/sign-in/second-step?method=backup_code")

    done = browser.post("/account/sign-in/second-step", {"method": "backup_code", "code": codes[0]})

    assert done.headers["Location"] == "/account"
    assert "9 left" in text(browser.get("/account/security"))


def test_new_backup_codes_need_the_password_or_a_code(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    _, old = _turn_on_authenticator(browser)
    browser.get("/account/security")

    refused = browser.post("/account/security/backup-codes", {"password": "", "code": ""})
    wrong = browser.post("/account/security/backup-codes", {"password": "wrong password here"})
    made = browser.post("/account/security/backup-codes", {"password": PASSWORD})

    assert refused.status_code == 422
    assert "Confirm with your password or a current code." in text(refused)
    assert wrong.status_code == 401
    assert made.status_code == 200
    assert "Your new backup codes" in text(made)
    assert old[0] not in made.get_data(as_text=True)


def test_a_second_step_that_took_too_long_starts_again(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    secret, _ = _turn_on_authenticator(browser)
    browser.post("/account/sign-out")
    browser.get("/account/sign-in")
    browser.post("/account/sign-in", {"email": ADA, "password": PASSWORD})
    browser.get("/account/sign-in/second-step")
    browser.bastion.clock.advance(minutes=6)

    code = pyotp.TOTP(secret).at(browser.bastion.clock.now())
    late = browser.post("/account/sign-in/second-step", {"method": "totp", "code": code})

    assert late.status_code == 303
    assert late.headers["Location"] == "/account/sign-in?done=sign_in_expired"
    assert "That sign-in took too long" in text(browser.get(late.headers["Location"]))


def test_text_message_codes_are_set_up_and_sent_on_request(browser: Browser) -> None:
    bastion = browser.bastion
    browser.signed_up_and_in(ADA)
    _turn_on_authenticator(browser)
    browser.get("/account/security")
    sent = browser.post("/account/security/texts", {"phone": "+14155550100", "password": PASSWORD})
    assert sent.headers["Location"] == "/account/security?done=sms_code_sent"
    page = browser.get(sent.headers["Location"])
    assert "Code from the text message" in text(page)
    on = browser.post(
        "/account/security/texts/confirm", {"code": bastion.sms.last_code("+14155550100")}
    )
    assert "Text message codes On" in text(browser.get(on.headers["Location"]))
    browser.post("/account/sign-out")

    browser.get("/account/sign-in")
    browser.post("/account/sign-in", {"email": ADA, "password": PASSWORD})
    browser.get("/account/sign-in/second-step?method=sms")
    texted = browser.post("/account/sign-in/second-step/text")
    assert "We texted a code to your phone" in text(browser.get(texted.headers["Location"]))
    bastion.clock.advance(seconds=1)
    code = bastion.sms.last_code("+14155550100")
    done = browser.post("/account/sign-in/second-step", {"method": "sms", "code": code})

    assert done.headers["Location"] == "/account"


def test_a_forgotten_password_is_reset_from_the_mailed_link(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    other = Browser(browser.bastion)
    other.get("/account/forgot-password")

    asked = other.post("/account/forgot-password", {"email": ADA})
    assert "a link to reset its password is on its way" in text(
        other.get(asked.headers["Location"])
    )
    token = browser.bastion.mail.last_reset_token(ADA)
    page = other.get("/account/reset-password")
    assert "data-reset-token" in page.get_data(as_text=True)
    weak = other.post("/account/reset-password", {"token": token, "new_password": "short"})
    assert weak.status_code == 422
    assert f'value="{token}"' in weak.get_data(as_text=True)  # kept for the next try
    reset = other.post("/account/reset-password", {"token": token, "new_password": NEW_PASSWORD})

    assert reset.headers["Location"] == "/account/sign-in?done=password_reset"
    assert browser.get("/account").status_code == 303  # every session ended
    used = other.post("/account/reset-password", {"token": token, "new_password": NEW_PASSWORD})
    assert "This reset link is wrong, expired or already used" in text(used)
    assert other.sign_in(ADA, NEW_PASSWORD).headers["Location"] == "/account"
