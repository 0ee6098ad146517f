"""The signed-in pages doing what the API's routes do, through the same use cases: the
profile, phone, picture, email and password; passkeys; devices; the security log."""

from __future__ import annotations

import io
import json
import re

from tests.support.authenticator import SoftAuthenticator
from tests.support.images import picture
from tests.web.conftest import PASSWORD, Browser, text

ADA = "ada@example.com"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_the_profile_and_its_phone_are_changed_and_confirmed(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    browser.get("/account")

    saved = browser.post(
        "/account/profile",
        {
            "first_name": "Ada",
            "last_name": "King",
            "display_name": "Countess",
            "phone": "+1 415 555 0100",
        },
    )
    page = browser.get(saved.headers["Location"])
    assert "Your profile is saved." in text(page)
    assert "Countess" in text(page)
    assert "Not confirmed" in text(page)
    bad = browser.post("/account/profile", {"first_name": "", "last_name": "King", "phone": "12"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)

    sent = browser.post("/account/phone/send-code")
    assert "Code from the text message" in text(browser.get(sent.headers["Location"]))
    code = browser.bastion.sms.last_code("+14155550100")
    confirmed = browser.post("/account/phone/confirm", {"code": code})
    assert "Your phone number is confirmed." in text(browser.get(confirmed.headers["Location"]))


def test_a_picture_is_uploaded_shown_from_this_site_and_removed(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    browser.get("/account")

    uploaded = browser.post("/account/picture", {"file": (_png(), "me.png")})
    page = browser.get(uploaded.headers["Location"])
    shown = re.search(r'<img class="avatar[^"]*" src="([^"]+)"', page.get_data(as_text=True))
    assert shown
    assert shown.group(1).startswith("/media/avatars/")
    assert browser.client.get(shown.group(1)).status_code == 200
    refused = browser.post("/account/picture", {"file": (_gif(), "me.png")})
    assert refused.status_code == 422
    assert "isn't a PNG, JPEG or WebP picture" in text(refused)

    removed = browser.post("/account/picture/remove")
    assert "Your picture is removed." in text(browser.get(removed.headers["Location"]))
    assert "/media/avatars/" not in browser.pages[-1]


def test_the_email_address_moves_only_once_the_new_code_is_confirmed(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    browser.get("/account")

    wrong = browser.post(
        "/account/email", {"new_email": "ada@new.example", "password": "nope nope"}
    )
    asked = browser.post("/account/email", {"new_email": "ada@new.example", "password": PASSWORD})
    page = browser.get(asked.headers["Location"])
    code = browser.bastion.mail.to("ada@new.example")[-1].params["code"]
    confirmed = browser.post("/account/email/confirm", {"code": code})

    assert wrong.status_code == 401
    assert "Code sent to the new address" in text(page)
    assert ADA in text(page)
    assert "ada@new.example" in text(browser.get(confirmed.headers["Location"]))


def test_changing_the_password_signs_the_other_devices_out(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    phone = browser.bastion.log_in(ADA).json["access_token"]
    browser.get("/account/security")

    changed = browser.post(
        "/account/security/password",
        {"current_password": PASSWORD, "new_password": "purple tiger orbits the velvet lamp"},
    )

    assert "Your other devices were signed out" in text(browser.get(changed.headers["Location"]))
    assert browser.bastion.call("GET", "/me", token=phone).status_code == 401


def test_a_passkey_is_added_renamed_used_to_sign_in_and_removed(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    browser.get("/account/security")
    authenticator = SoftAuthenticator()

    options = _options(browser, "/account/security/passkeys/options")
    credential = json.dumps(authenticator.create(options))
    added = browser.post("/account/security/passkeys", {"credential": credential, "name": "Laptop"})
    page = browser.get(added.headers["Location"])
    assert "Your passkey is added." in text(page)
    assert "Laptop" in text(page)
    key = re.search(r"/account/security/passkeys/([^/]+)/rename", page.get_data(as_text=True))
    assert key
    renamed = browser.post(f"/account/security/passkeys/{key.group(1)}/rename", {"name": "Phone"})
    assert "Phone" in text(browser.get(renamed.headers["Location"]))
    browser.post("/account/sign-out")

    browser.get("/account/sign-in")
    assertion = json.dumps(authenticator.get(_options(browser, "/account/sign-in/passkey-options")))
    signed_in = browser.post("/account/sign-in/passkey", {"credential": assertion})
    assert signed_in.headers["Location"] == "/account"
    replayed = Browser(browser.bastion)
    replayed.get("/account/sign-in")
    again = replayed.post("/account/sign-in/passkey", {"credential": assertion})
    assert again.status_code == 401  # no ceremony of its own: nothing to answer

    browser.get("/account/security")
    removed = browser.post(f"/account/security/passkeys/{key.group(1)}/remove")
    assert "The passkey is removed." in text(browser.get(removed.headers["Location"]))


def test_a_garbled_credential_is_a_page_not_a_crash(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    browser.get("/account/security")

    for garbled in ("{not json", "[" * 2000 + "]" * 2000):
        refused = browser.post("/account/security/passkeys", {"credential": garbled, "name": "X"})

        assert refused.status_code == 422
        assert "Your browser sent something we could not read. Please try again." in text(refused)


def test_devices_show_where_and_sign_one_or_all_others_out(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    bastion = browser.bastion
    phone = bastion.log_in(ADA, headers={"User-Agent": IPHONE}).json
    bastion.log_in(ADA, headers={"User-Agent": IPHONE})

    page = browser.get("/account/sessions")
    words = text(page)
    assert "Firefox on Linux This device" in words
    assert "Mobile Safari on iOS" in words
    assert re.search(r"Trust \d+/100 · (high|medium|low)", words)
    assert "Network 127.0.0.0/24" in words
    assert "127.0.0.1" not in words
    revoked = browser.post(f"/account/sessions/{phone['session_id']}/sign-out")
    assert "That device is signed out." in text(browser.get(revoked.headers["Location"]))
    assert bastion.call("GET", "/me", token=phone["access_token"]).status_code == 401

    others = browser.post("/account/sessions/sign-out-others")
    page = browser.get(others.headers["Location"])
    assert "Every other device is signed out." in text(page)
    assert "Mobile Safari" not in text(page)


def test_signing_this_device_out_from_its_list_is_signing_out(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    page = browser.get("/account/sessions")
    mine = re.search(r"/account/sessions/([0-9a-f-]{36})/sign-out", page.get_data(as_text=True))
    assert mine

    out = browser.post(f"/account/sessions/{mine.group(1)}/sign-out")

    assert out.headers["Location"] == "/account/sign-in?done=signed_out"
    assert browser.get("/account").status_code == 303


def test_the_security_log_reads_as_sentences_newest_first_filtered_and_paged(
    browser: Browser,
) -> None:
    browser.signed_up_and_in(ADA)
    for _ in range(14):  # two events each: more than one page of 25
        browser.bastion.clock.advance(seconds=10)
        browser.bastion.log_in(ADA, headers={"User-Agent": IPHONE})

    first = text(browser.get("/account/events")).split("Show")[-1]
    assert first.lstrip().startswith("Signed in with a password")
    assert "New sign-in from Mobile Safari on iOS" in first
    assert "Account created" not in first
    older = re.search(r'href="(/account/events\?cursor=[^"]+)"', browser.pages[-1])
    assert older
    last = text(browser.get(older.group(1).replace("&amp;", "&"))).split("Show")[-1]
    assert "Account created" in last
    assert "Email address confirmed" in last

    only = text(browser.get("/account/events?type=user.registered")).split("Show")[-1]
    assert "Account created" in only
    assert "Signed in" not in only
    bad = browser.get("/account/events?cursor=garbage&type=nope")
    assert bad.status_code == 200


def _options(browser: Browser, path: str) -> dict[str, object]:
    answer = browser.client.post(path, headers={"X-CSRF-Token": browser.token})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json is not None
    options: dict[str, object] = answer.json["options"]
    return options


def _png() -> io.BytesIO:
    return io.BytesIO(picture("PNG"))


def _gif() -> io.BytesIO:
    return io.BytesIO(b"GIF89a" + b"\x00" * 64)
