"""Signing in and out: email and password, a passkey alone, and signing out.

A password accepted for an account with a second factor leaves a pending sign-in in the
``bastion_login`` cookie (the ``login_token`` and the methods on offer, 5 minutes) and
goes on to the second step (:mod:`entrypoints.web.views.second_step`). A passkey sign-in
is a ceremony: its options come as JSON for the page's script, the ``login_token`` that
names the challenge stays in the ``bastion_passkey`` cookie, and the browser's answer
comes back as an ordinary form post.
"""

from __future__ import annotations

from flask import jsonify, redirect, url_for
from flask.typing import ResponseReturnValue

from application.auth.log_in import LogInCommand
from application.auth.log_out import LogOutCommand
from application.auth.sign_in_with_passkey import SignInWithPasskeyCommand
from application.auth.start_passkey_sign_in import StartPasskeySignInCommand
from application.common.passkey_challenges import CHALLENGE_TTL
from application.common.throttle import Rule
from application.results import MfaChallenge, TokenPair
from domain.errors import DomainError, LoginAttemptExpiredError
from entrypoints.http.api import client, container, current_request
from entrypoints.http.schemas.auth import LoginRequest
from entrypoints.http.schemas.passkeys import PasskeyVerifyRequest
from entrypoints.web import cookies, session
from entrypoints.web.blueprint import console
from entrypoints.web.ceremony import refused
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, render, safe_next
from entrypoints.web.second_steps import remember


@console.route("/sign-in", methods=["GET"])
def sign_in() -> ResponseReturnValue:
    target = safe_next(current_request().args.get("next"))
    if session.visitor() is not None:
        return redirect(target, 303)
    return render("sign_in.html", next=target)


@console.route("/sign-in", methods=["POST"])
def sign_in_with_password() -> ResponseReturnValue:
    target = safe_next(current_request().form.get("next"))
    form = Form("sign_in", LoginRequest)
    with form:
        charge(Rule.LOGIN)
        outcome = container().log_in()(LogInCommand(client=client(), **form.load()))
        return finish_sign_in(outcome, target)
    return render("sign_in.html", failed=form, next=target)


@console.route("/sign-in/passkey-options", methods=["POST"])
def passkey_sign_in_options() -> ResponseReturnValue:
    """Options for any passkey this device holds (no email: the discoverable flow, which
    also serves the browser's autofill of passkeys)."""
    try:
        charge(Rule.LOGIN)
        started = container().start_passkey_sign_in()(StartPasskeySignInCommand())
    except DomainError as error:
        return refused(error)
    cookies.pending().write(cookies.PASSKEY, started.login_token, CHALLENGE_TTL)
    return jsonify(options=started.options)


@console.route("/sign-in/passkey", methods=["POST"])
def sign_in_with_passkey() -> ResponseReturnValue:
    target = safe_next(current_request().form.get("next"))
    form = Form("passkey", PasskeyVerifyRequest)
    with form:
        charge(Rule.LOGIN)
        login_token = current_request().cookies.get(cookies.PASSKEY, "")
        if not login_token:
            raise LoginAttemptExpiredError()
        body = form.load(given={"login_token": login_token})
        command = SignInWithPasskeyCommand(body["login_token"], body["credential"], client())
        return finish_sign_in(container().sign_in_with_passkey()(command), target)
    cookies.pending().clear(cookies.PASSKEY)
    return render("sign_in.html", failed=form, next=target)


@console.route("/sign-out", methods=["POST"])
def sign_out() -> ResponseReturnValue:
    person = session.visitor()
    if person is not None:
        container().log_out()(LogOutCommand(user_id=person.user_id, session_id=person.session_id))
    session.end()
    return redirect(url_for("console.sign_in", done="signed_out"), 303)


def finish_sign_in(outcome: TokenPair | MfaChallenge, target: str) -> ResponseReturnValue:
    """After any accepted first step (password, passkey, a provider's code): the session
    cookies, or the second step when the account has a second factor."""
    if isinstance(outcome, MfaChallenge):
        remember(outcome)
        return redirect(url_for("console.second_step", next=target), 303)
    session.begin(container(), outcome)
    return redirect(target, 303)
