"""Creating an account: the form, then the 6-digit code mailed to the address.

The pages say the same thing whether or not the address already had an account, as the
API does: the owner of a verified account gets a notice by mail instead of a code.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from application.auth.register_user import RegisterUserCommand
from application.auth.resend_verification import ResendVerificationCommand
from application.auth.verify_email import VerifyEmailCommand
from application.common.throttle import Rule
from entrypoints.http.api import container
from entrypoints.http.schemas.auth import EmailRequest, RegisterRequest, VerifyEmailRequest
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, render


@console.route("/sign-up", methods=["GET"])
def sign_up() -> ResponseReturnValue:
    return render("sign_up.html")


@console.route("/sign-up", methods=["POST"])
def register() -> ResponseReturnValue:
    form = Form("sign_up", RegisterRequest)
    with form:
        charge(Rule.REGISTER)
        body = form.load()
        container().register_user()(RegisterUserCommand(**body))
        return render("verify_email.html", email=body["email"], sent=True)
    return render("sign_up.html", failed=form)


@console.route("/sign-up/verify", methods=["GET"])
def verify_email() -> ResponseReturnValue:
    return render("verify_email.html", email="", sent=False)


@console.route("/sign-up/verify", methods=["POST"])
def confirm_email() -> ResponseReturnValue:
    form = Form("verify", VerifyEmailRequest)
    with form:
        charge(Rule.VERIFY)
        container().verify_email()(VerifyEmailCommand(**form.load()))
        return done("console.sign_in", "verified")
    return render("verify_email.html", failed=form, email=form.value("email"), sent=False)


@console.route("/sign-up/resend", methods=["POST"])
def resend_code() -> ResponseReturnValue:
    form = Form("resend", EmailRequest)
    with form:
        charge(Rule.RESEND)
        body = form.load()
        container().resend_verification()(ResendVerificationCommand(**body))
        return render("verify_email.html", email=body["email"], sent=False, resent=True)
    return render("verify_email.html", failed=form, email=form.value("email"), sent=False)
