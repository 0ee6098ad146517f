"""SMS codes as a second factor, beside the authenticator app: bind a number (with the
password or a current code), confirm it with the texted code, or turn it off."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from application.common.throttle import Rule
from application.mfa.confirm_sms import ConfirmSmsCommand
from application.mfa.disable import DisableFactorCommand
from application.mfa.start_sms_setup import StartSmsSetupCommand
from domain.factors import FactorKind
from entrypoints.http.api import client, container
from entrypoints.http.schemas.mfa import CodeRequest, ProofRequest, SmsSetupRequest
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, signed_in, who
from entrypoints.web.views.security import security_page


@console.route("/security/texts", methods=["POST"])
@signed_in
def start_texts() -> ResponseReturnValue:
    form = Form("sms_setup", SmsSetupRequest)
    with form:
        charge(Rule.MFA)
        command = StartSmsSetupCommand(user_id=who().user_id, client=client(), **form.load())
        container().start_sms_setup()(command)
        return done("console.security", "sms_code_sent")
    return security_page(form)


@console.route("/security/texts/confirm", methods=["POST"])
@signed_in
def confirm_texts() -> ResponseReturnValue:
    form = Form("sms_confirm", CodeRequest)
    with form:
        charge(Rule.MFA)
        container().confirm_sms()(ConfirmSmsCommand(user_id=who().user_id, **form.load()))
        return done("console.security", "sms_enabled")
    return security_page(form)


@console.route("/security/texts/turn-off", methods=["POST"])
@signed_in
def turn_off_texts() -> ResponseReturnValue:
    form = Form("sms_off", ProofRequest)
    with form:
        charge(Rule.MFA)
        command = DisableFactorCommand(user_id=who().user_id, kind=FactorKind.SMS, **form.load())
        container().disable_factor()(command)
        return done("console.security", "sms_disabled")
    return security_page(form)
