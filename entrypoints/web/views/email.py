"""Changing the email address: the new address and the password, then the code mailed
to the new address. Nothing changes until the code is confirmed."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from application.account.confirm_email_change import ConfirmEmailChangeCommand
from application.account.request_email_change import RequestEmailChangeCommand
from application.common.throttle import Rule
from entrypoints.http.api import container
from entrypoints.http.schemas.account import EmailChangeRequest
from entrypoints.http.schemas.mfa import CodeRequest
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, signed_in, who
from entrypoints.web.views.profile import overview_page


@console.route("/email", methods=["POST"])
@signed_in
def change_email() -> ResponseReturnValue:
    form = Form("email", EmailChangeRequest)
    with form:
        charge(Rule.RESEND)
        person = who()
        body = form.load()
        command = RequestEmailChangeCommand(
            user_id=person.user_id, session_id=person.session_id, **body
        )
        container().request_email_change()(command)
        return done("console.overview", "email_code_sent")
    return overview_page(form)


@console.route("/email/confirm", methods=["POST"])
@signed_in
def confirm_email_change() -> ResponseReturnValue:
    form = Form("email_code", CodeRequest)
    with form:
        charge(Rule.VERIFY)
        person = who()
        command = ConfirmEmailChangeCommand(
            user_id=person.user_id, session_id=person.session_id, **form.load()
        )
        container().confirm_email_change()(command)
        return done("console.overview", "email_changed")
    return overview_page(form)
