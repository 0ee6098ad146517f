"""A forgotten password: ask for a link, then choose a new password on the page it
opens.

The mailed link carries its token in the fragment (``#token=``), which a browser never
sends to a server, so no log holds it; the page's script moves it into the form. Without
script the page asks for the part of the link after ``#token=``.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from application.auth.request_password_reset import RequestPasswordResetCommand
from application.auth.reset_password import ResetPasswordCommand
from application.common.throttle import Rule
from entrypoints.http.api import container
from entrypoints.http.schemas.auth import EmailRequest, ResetPasswordRequest
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, render


@console.route("/forgot-password", methods=["GET"])
def forgot_password() -> ResponseReturnValue:
    return render("forgot_password.html")


@console.route("/forgot-password", methods=["POST"])
def send_reset_link() -> ResponseReturnValue:
    form = Form("forgot", EmailRequest)
    with form:
        charge(Rule.FORGOT)
        container().request_password_reset()(RequestPasswordResetCommand(**form.load()))
        return done("console.forgot_password", "reset_sent")
    return render("forgot_password.html", failed=form)


@console.route("/reset-password", methods=["GET"])
def reset_password() -> ResponseReturnValue:
    return render("reset_password.html")


@console.route("/reset-password", methods=["POST"])
def choose_new_password() -> ResponseReturnValue:
    form = Form("reset", ResetPasswordRequest)
    with form:
        charge(Rule.RESET)
        container().reset_password()(ResetPasswordCommand(**form.load()))
        return done("console.sign_in", "password_reset")
    return render("reset_password.html", failed=form)
