"""The second step of a sign-in: an authenticator code, a texted code (sent on request),
a backup code, or a passkey, whichever the account has. Every try goes through the API's
``CompleteMfaLogin``, with its per-attempt and per-account limits."""

from __future__ import annotations

from flask import jsonify, redirect, url_for
from flask.typing import ResponseReturnValue

from application.auth.complete_mfa_login import CompleteMfaLoginCommand
from application.auth.send_login_sms import SendLoginSmsCommand
from application.auth.start_passkey_sign_in import StartPasskeySignInCommand
from application.common.throttle import Rule
from domain.errors import DomainError, LoginAttemptExpiredError
from entrypoints.http.api import client, container, current_request
from entrypoints.http.schemas.mfa import MfaLoginRequest
from entrypoints.web import session
from entrypoints.web.blueprint import console
from entrypoints.web.ceremony import refused
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, render, safe_next
from entrypoints.web.second_steps import PendingSignIn, forget, pending


@console.route("/sign-in/second-step", methods=["GET"])
def second_step() -> ResponseReturnValue:
    waiting = pending()
    target = safe_next(current_request().args.get("next"))
    if waiting is None:
        return _start_again()
    return _page(waiting, target)


@console.route("/sign-in/second-step", methods=["POST"])
def complete_second_step() -> ResponseReturnValue:
    waiting = pending()
    target = safe_next(current_request().form.get("next"))
    if waiting is None:
        return _start_again()
    form = Form("second_step", MfaLoginRequest)
    with form:
        charge(Rule.MFA)
        body = form.load(given={"login_token": waiting.login_token})
        command = CompleteMfaLoginCommand(
            login_token=waiting.login_token,
            method=body["method"],
            code=body.get("code", ""),
            client=client(),
            credential=body.get("credential"),
        )
        session.begin(container(), container().complete_mfa_login()(command))
        return redirect(target, 303)
    return _page(waiting, target, form)


@console.route("/sign-in/second-step/text", methods=["POST"])
def text_sign_in_code() -> ResponseReturnValue:
    waiting = pending()
    target = safe_next(current_request().form.get("next"))
    if waiting is None:
        return _start_again()
    form = Form("text")
    with form:
        charge(Rule.MFA)
        container().send_login_sms()(SendLoginSmsCommand(waiting.login_token, client()))
        return done("console.second_step", "login_text_sent", next=target, method="sms")
    return _page(waiting, target, form)


@console.route("/sign-in/second-step/passkey-options", methods=["POST"])
def second_step_passkey_options() -> ResponseReturnValue:
    waiting = pending()
    try:
        if waiting is None:
            raise LoginAttemptExpiredError()
        charge(Rule.MFA)
        command = StartPasskeySignInCommand(login_token=waiting.login_token)
        started = container().start_passkey_sign_in()(command)
    except DomainError as error:
        return refused(error)
    return jsonify(options=started.options)


def _page(waiting: PendingSignIn, target: str, failed: Form | None = None) -> ResponseReturnValue:
    request = current_request()
    chosen = request.form.get("method") or request.args.get("method") or waiting.methods[0]
    if chosen not in waiting.methods:
        chosen = waiting.methods[0]
    if failed is not None and failed.code == LoginAttemptExpiredError.code:
        forget()
        return _start_again()
    return render(
        "second_step.html", failed=failed, methods=waiting.methods, method=chosen, next=target
    )


def _start_again() -> ResponseReturnValue:
    return redirect(url_for("console.sign_in", done="sign_in_expired"), 303)
