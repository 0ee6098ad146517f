"""What a person does in the account console, in a real browser: sign up with the mailed
code, sign in, sign another device out, set up the authenticator app from the page and
sign in with it, add a passkey and sign in with it alone, take an export and delete the
account; and the remaining pages, each photographed at desktop and phone width. Signing
in with a provider is in ``test_provider_sign_in.py``, on a stack of its own."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pyotp
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PASSWORD, PHONE, Console, sign_in, unique, words

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0"
)


def test_sign_up_sign_in_sign_a_device_out_and_sign_in_again_with_an_authenticator_app(
    console: Console, page: Page
) -> None:
    email = unique("ada")
    page.goto(console.url("/account/sign-up"))
    console.shot(page, "sign-up")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    console.shot(page, "verify-email")
    page.get_by_label("Code", exact=True).fill(console.mailed_code(email))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    console.shot(page, "sign-in")

    sign_in(console, page, email)
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    console.shot(page, "account")

    other = console.api(
        "POST",
        "/auth/login",
        json={"email": email, "password": PASSWORD},
        headers={"User-Agent": FIREFOX_ON_WINDOWS},
    ).json()
    page.get_by_role("link", name="Devices").click()
    expect(page.get_by_text("Firefox on Windows")).to_be_visible()
    expect(page.get_by_text("This device")).to_be_visible()
    console.shot(page, "devices")
    page.get_by_role("button", name="Sign out all other devices").click()
    expect(page.get_by_text("Every other device is signed out.")).to_be_visible()
    assert console.api("GET", "/me", token=other["access_token"]).status_code == 401

    page.get_by_role("link", name="Security", exact=True).click()
    console.shot(page, "security")
    page.get_by_role("button", name="Set up").click()
    expect(page.get_by_alt_text("QR code for your authenticator app")).to_be_visible()
    console.shot(page, "authenticator-setup")
    secret = page.locator("[data-secret]").get_attribute("data-secret")
    assert secret
    authenticator = pyotp.TOTP(secret)
    # The code of the step before: accepted (one step of drift), and it leaves the current
    # step free for the sign-in below, where a code once used is refused.
    page.get_by_label("6-digit code").fill(authenticator.at(time.time() - 30))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Two-step sign-in is on")).to_be_visible()
    console.shot(page, "backup-codes")
    codes = page.locator(".codes li").all_inner_texts()
    assert len(codes) == 10
    with page.expect_download() as saved:
        page.get_by_role("link", name="Download as text").click()
    assert Path(saved.value.path()).read_text().split()[-10:] == codes
    page.get_by_role("link", name="I saved them, continue").click()
    expect(page.get_by_text("The authenticator app is turned on.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    sign_in(console, page, email)
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    console.shot(page, "second-step")
    page.get_by_label("Code from your authenticator app").fill(authenticator.now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()

    page.get_by_role("link", name="Security log").click()
    expect(page.get_by_text("Authenticator app turned on")).to_be_visible()
    expect(page.get_by_text("New sign-in from").first).to_be_visible()
    console.shot(page, "security-log")


def test_a_passkey_is_added_and_signs_in_alone(
    console: Console, context: BrowserContext, page: Page
) -> None:
    email = unique("grace")
    console.registered(email)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    sign_in(console, page, email)
    page.get_by_role("link", name="Security", exact=True).click()

    page.get_by_label("Name for the new passkey").fill("This laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your passkey is added.")).to_be_visible()
    expect(page.get_by_text("This laptop", exact=True)).to_be_visible()
    console.shot(page, "passkeys")
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]})
    assert len(held["credentials"]) == 1
    assert held["credentials"][0]["isResidentCredential"]

    def presence(on: bool) -> None:
        """Whether the authenticator answers by itself, as a person touching it would."""
        cdp.send(
            "WebAuthn.setAutomaticPresenceSimulation",
            {"authenticatorId": added["authenticatorId"], "enabled": on},
        )

    # The sign-in page asks for a passkey beside the email field as it loads (conditional
    # UI, the browser's autofill offer). The virtual authenticator answers the requests
    # made while its presence simulation is on, as a person picking the offered passkey
    # would; a request already waiting when it is turned on is never answered, which made
    # "click, then turn it on" fail under load. So: on, then load the page.
    presence(on=False)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert page.evaluate("PublicKeyCredential.isConditionalMediationAvailable()")
    presence(on=True)
    page.reload()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert _last_sign_in(page) == "Signed in with a passkey"

    # After a password, the passkey is the second step.
    presence(on=False)
    page.get_by_role("button", name="Sign out").click()
    console.shot(page, "sign-in-with-passkey-offered")
    sign_in(console, page, email)
    expect(page.get_by_role("button", name="Use my passkey")).to_be_visible()
    console.shot(page, "second-step-passkey")
    presence(on=True)  # this page makes no request of its own: the click's is the one
    page.get_by_role("button", name="Use my passkey").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    assert _last_sign_in(page) == "Signed in with a password and a passkey"


def _last_sign_in(page: Page) -> str:
    page.goto(page.url.split("/account")[0] + "/account/events?type=login.succeeded")
    return page.locator(".list li strong").first.inner_text()


def test_an_export_is_downloaded_and_the_account_deleted(console: Console, page: Page) -> None:
    email = unique("katherine")
    console.registered(email)
    sign_in(console, page, email)
    page.get_by_role("link", name="Your data").click()
    console.shot(page, "your-data")

    page.get_by_role("button", name="Request an export").click()
    expect(page.get_by_text("Your export is being prepared.")).to_be_visible()
    console.shot(page, "export-in-progress")
    download = page.get_by_role("link", name="Download", exact=True)
    expect(download).to_be_visible(timeout=30_000)  # the page reloads itself meanwhile
    console.shot(page, "export-ready")
    with page.expect_download() as saved:
        download.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(saved.value.path()).read_bytes()))
    assert "profile.json" in archive.namelist()
    assert email in archive.read("profile.json").decode()

    page.get_by_text("I want to delete my account").click()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand").check()
    console.shot(page, "delete-account")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account and everything in it are deleted")).to_be_visible()
    sign_in(console, page, email)
    expect(page.get_by_text("That email and password don't match")).to_be_visible()
    console.shot(page, "sign-in-refused")


def test_the_other_pages_look_right_on_a_desk_and_on_a_phone(
    console: Console, chromium: Browser, context: BrowserContext, page: Page
) -> None:
    admin, email = unique("root"), unique("mary")
    console.make_admin(admin)
    console.registered(email)
    token = console.api("POST", "/auth/login", json={"email": email, "password": PASSWORD}).json()[
        "access_token"
    ]
    for title in ("Plan the launch", "Call the printer"):
        task = console.api("POST", "/tasks", token=token, json={"title": title}).json()
        console.api("DELETE", f"/tasks/{task['id']}", token=token)

    page.goto(console.url("/account/forgot-password"))
    console.shot(page, "forgot-password")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("is on its way")).to_be_visible()
    link = console.mail.wait_for(email, r"(http://\S+/account/reset-password#token=\S+)")
    page.goto(link)
    expect(page.get_by_label("Reset code")).to_be_hidden()  # taken from the link by script
    console.shot(page, "reset-password")
    page.get_by_label("New password").fill("purple tiger orbits the velvet lamp")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    sign_in(console, page, email, "purple tiger orbits the velvet lamp")
    page.get_by_role("link", name="Deleted tasks").click()
    expect(page.get_by_text("Plan the launch")).to_be_visible()
    console.shot(page, "deleted-tasks")
    page.get_by_role("listitem").filter(has_text="Plan the launch").get_by_role(
        "button", name="Restore"
    ).click()
    expect(page.get_by_text("The task is back in your list.")).to_be_visible()
    for path, name in [
        ("/account", "account"),
        ("/account/security", "security"),
        ("/account/sessions", "devices"),
        ("/account/events", "security-log"),
    ]:
        phone = chromium.new_context(viewport=PHONE, storage_state=context.storage_state())
        small = phone.new_page()
        small.goto(console.url(path))
        assert "Bastion" in words(small)
        console.shot(small, f"phone-{name}")
        phone.close()

    page.get_by_role("button", name="Sign out").click()
    sign_in(console, page, admin)
    page.get_by_role("link", name="Users").click()
    page.get_by_placeholder("Email starts with…").fill(email[:6])
    page.get_by_role("button", name="Search").click()
    console.shot(page, "users")
    page.get_by_role("link", name=email).click()
    expect(page.get_by_role("heading", name="Grace Hopper")).to_be_visible()
    console.shot(page, "user")
    page.get_by_role("button", name="Disable account").click()
    expect(page.get_by_text("The account is disabled and signed out everywhere.")).to_be_visible()
    assert console.api("GET", "/me", token=token).status_code == 401
