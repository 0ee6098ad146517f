"""Passkeys of the signed-in person: add one (the browser's WebAuthn ceremony, driven by
the page's script: options as JSON, the credential back in a form post), rename one,
remove one."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from application.common.throttle import Rule
from application.passkeys.add_passkey import AddPasskeyCommand
from application.passkeys.remove_passkey import RemovePasskeyCommand
from application.passkeys.rename_passkey import RenamePasskeyCommand
from domain.errors import DomainError
from entrypoints.http.api import container
from entrypoints.http.schemas.passkeys import PasskeyRegistrationRequest, PasskeyRenameRequest
from entrypoints.web.blueprint import console
from entrypoints.web.ceremony import refused
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, signed_in, who
from entrypoints.web.views.security import security_page


@console.route("/security/passkeys/options", methods=["POST"])
@signed_in
def passkey_options() -> ResponseReturnValue:
    try:
        charge(Rule.MFA)
        options = container().start_passkey_registration()(who().user_id)
    except DomainError as error:
        return refused(error)
    return jsonify(options=options)


@console.route("/security/passkeys", methods=["POST"])
@signed_in
def add_passkey() -> ResponseReturnValue:
    form = Form("passkey_add", PasskeyRegistrationRequest)
    with form:
        charge(Rule.MFA)
        body = form.load()
        command = AddPasskeyCommand(who().user_id, body["credential"], body["name"])
        container().add_passkey()(command)
        return done("console.security", "passkey_added", _anchor="passkeys")
    return security_page(form)


@console.route("/security/passkeys/<string:passkey_id>/rename", methods=["POST"])
@signed_in
def rename_passkey(passkey_id: str) -> ResponseReturnValue:
    form = Form(f"passkey_rename_{passkey_id}", PasskeyRenameRequest)
    with form:
        command = RenamePasskeyCommand(who().user_id, passkey_id, form.load()["name"])
        container().rename_passkey()(command)
        return done("console.security", "passkey_renamed", _anchor="passkeys")
    return security_page(form)


@console.route("/security/passkeys/<string:passkey_id>/remove", methods=["POST"])
@signed_in
def remove_passkey(passkey_id: str) -> ResponseReturnValue:
    form = Form(f"passkey_remove_{passkey_id}")
    with form:
        container().remove_passkey()(RemovePasskeyCommand(who().user_id, passkey_id))
        return done("console.security", "passkey_removed", _anchor="passkeys")
    return security_page(form)
