"""The account page: names, display name and phone (with its texted confirmation); the
picture and the email address have modules of their own."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from application.account.update_profile import UpdateProfileCommand
from application.account.verify_phone import ConfirmPhoneCommand, SendPhoneCodeCommand
from application.common.throttle import Rule
from entrypoints.http.api import client, container
from entrypoints.http.schemas.account import ProfileUpdateRequest
from entrypoints.http.schemas.mfa import CodeRequest
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, render, signed_in, who


@console.route("", methods=["GET"])
@signed_in
def overview() -> ResponseReturnValue:
    return overview_page()


def overview_page(failed: Form | None = None) -> ResponseReturnValue:
    """The account page, with ``failed`` beside its form when a change was refused."""
    return render("overview.html", failed=failed)


@console.route("/profile", methods=["POST"])
@signed_in
def save_profile() -> ResponseReturnValue:
    form = Form("profile", ProfileUpdateRequest)
    with form:
        person = who()
        body = form.load(keep_empty=True)
        command = UpdateProfileCommand(user_id=person.user_id, session_id=person.session_id, **body)
        container().update_profile()(command)
        return done("console.overview", "profile_saved")
    return overview_page(form)


@console.route("/phone/send-code", methods=["POST"])
@signed_in
def send_phone_code() -> ResponseReturnValue:
    form = Form("phone")
    with form:
        charge(Rule.MFA)
        container().send_phone_code()(SendPhoneCodeCommand(user_id=who().user_id, client=client()))
        return done("console.overview", "phone_code_sent")
    return overview_page(form)


@console.route("/phone/confirm", methods=["POST"])
@signed_in
def confirm_phone() -> ResponseReturnValue:
    form = Form("phone", CodeRequest)
    with form:
        charge(Rule.VERIFY)
        container().confirm_phone()(ConfirmPhoneCommand(user_id=who().user_id, **form.load()))
        return done("console.overview", "phone_verified")
    return overview_page(form)
