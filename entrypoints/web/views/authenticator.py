"""The authenticator app and the backup codes.

Setting up shows the QR code and the secret once (the setup stays pending for 10
minutes); a current code from the app turns it on and shows the ten backup codes, once,
with a download as a text file. The codes are never stored in a form or a URL: the
download link carries them as a ``data:`` URL inside the page that shows them.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

from flask.typing import ResponseReturnValue

from application.common.throttle import Rule
from application.mfa.backup_codes import RegenerateBackupCodesCommand
from application.mfa.confirm_totp import ConfirmTotpCommand
from application.mfa.disable import DisableFactorCommand
from domain.factors import FactorKind
from entrypoints.http.api import container
from entrypoints.http.schemas.mfa import CodeRequest, ProofRequest
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, render, signed_in, who
from entrypoints.web.views.security import security_page


@console.route("/security/authenticator", methods=["POST"])
@signed_in
def start_authenticator() -> ResponseReturnValue:
    form = Form("totp_setup")
    with form:
        charge(Rule.MFA)
        enrollment = container().start_totp_setup()(who().user_id)
        qr = base64.b64encode(enrollment.qr_svg.encode()).decode("ascii")
        return render(
            "authenticator.html",
            secret=enrollment.secret,
            groups=[enrollment.secret[i : i + 4] for i in range(0, len(enrollment.secret), 4)],
            qr=f"data:image/svg+xml;base64,{qr}",
            minutes=enrollment.expires_in // 60,
        )
    return security_page(form)


@console.route("/security/authenticator/confirm", methods=["POST"])
@signed_in
def confirm_authenticator() -> ResponseReturnValue:
    form = Form("totp_confirm", CodeRequest)
    with form:
        charge(Rule.MFA)
        codes = container().confirm_totp()(ConfirmTotpCommand(user_id=who().user_id, **form.load()))
        if not codes:
            return done("console.security", "totp_enabled")
        return backup_codes_page(codes, first=True)
    return render("authenticator.html", failed=form, secret=None)


@console.route("/security/authenticator/turn-off", methods=["POST"])
@signed_in
def turn_off_authenticator() -> ResponseReturnValue:
    form = Form("totp_off", ProofRequest)
    with form:
        charge(Rule.MFA)
        command = DisableFactorCommand(user_id=who().user_id, kind=FactorKind.TOTP, **form.load())
        container().disable_factor()(command)
        return done("console.security", "totp_disabled")
    return security_page(form)


@console.route("/security/backup-codes", methods=["POST"])
@signed_in
def new_backup_codes() -> ResponseReturnValue:
    form = Form("backup_codes", ProofRequest)
    with form:
        charge(Rule.MFA)
        command = RegenerateBackupCodesCommand(user_id=who().user_id, **form.load())
        return backup_codes_page(container().regenerate_backup_codes()(command), first=False)
    return security_page(form)


def backup_codes_page(codes: list[str], *, first: bool) -> ResponseReturnValue:
    text = "Bastion backup codes. Each works once.\n\n" + "\n".join(codes) + "\n"
    return render(
        "backup_codes.html",
        codes=codes,
        first=first,
        download=f"data:text/plain;charset=utf-8,{quote(text)}",
    )
