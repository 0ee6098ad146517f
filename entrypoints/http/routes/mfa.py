"""``/api/v1/me/mfa``: the signed-in user's second factors."""

from __future__ import annotations

from typing import Any

from application.common.throttle import Rule
from application.mfa.backup_codes import RegenerateBackupCodesCommand
from application.mfa.confirm_sms import ConfirmSmsCommand
from application.mfa.confirm_totp import ConfirmTotpCommand
from application.mfa.disable import DisableFactorCommand
from application.mfa.start_sms_setup import StartSmsSetupCommand
from application.results import MfaStatus, TotpEnrollment
from domain.factors import FactorKind
from entrypoints.http.api import ApiBlueprint, client, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.limits import limited
from entrypoints.http.schemas.common import StatusResponse
from entrypoints.http.schemas.mfa import (
    BackupCodesResponse,
    CodeRequest,
    MfaStatusResponse,
    ProofRequest,
    SmsSetupRequest,
    TotpSetupResponse,
)

blp = ApiBlueprint(
    "mfa", __name__, url_prefix="/api/v1/me/mfa", description="Second factors of the signed-in user"
)


@blp.route("", methods=["GET"])
@authenticated
@blp.response(200, MfaStatusResponse)
@blp.doc(**security_doc())
@problems(blp, 401)
def get_mfa() -> MfaStatus:
    """Enabled factors, the sign-in methods they offer and how many backup codes are left."""
    return container().get_mfa_status()(principal().user_id)


@blp.route("/totp/setup", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.response(200, TotpSetupResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 409)
def start_totp_setup() -> TotpEnrollment:
    """A new authenticator secret, its ``otpauth://`` URI and QR code. It stays pending
    for 10 minutes and gates nothing until confirmed; a new setup replaces it."""
    return container().start_totp_setup()(principal().user_id)


@blp.route("/totp/confirm", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(CodeRequest)
@blp.response(200, BackupCodesResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 409, 415, 422)
def confirm_totp(body: dict[str, Any]) -> dict[str, list[str]]:
    """Enable the authenticator with a current code from it. For a first factor the
    answer holds ten backup codes, shown this once."""
    command = ConfirmTotpCommand(user_id=principal().user_id, **body)
    return {"backup_codes": container().confirm_totp()(command)}


@blp.route("/totp", methods=["DELETE"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(ProofRequest)
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 404, 409, 415, 422)
def disable_totp(body: dict[str, Any]) -> None:
    """Needs the password or a current code (422 ``proof_required`` without; 401 when
    wrong). 409 ``factor_in_use`` while SMS codes are on. The user is notified."""
    who = principal().user_id
    container().disable_factor()(DisableFactorCommand(user_id=who, kind=FactorKind.TOTP, **body))


@blp.route("/sms/setup", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(SmsSetupRequest)
@blp.response(202, StatusResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 409, 415, 422)
def start_sms_setup(body: dict[str, Any]) -> dict[str, str]:
    """Text a 6-digit code to ``phone`` (E.164; 422 and nothing sent when invalid). SMS
    codes are offered only alongside an authenticator app (409
    ``stronger_factor_required``), and binding a number needs the password or a current
    code (422 ``proof_required`` without, 401 when wrong). An enabled SMS factor keeps
    its number until the new one is confirmed."""
    command = StartSmsSetupCommand(user_id=principal().user_id, client=client(), **body)
    container().start_sms_setup()(command)
    return {"status": "code_sent"}


@blp.route("/sms/confirm", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(CodeRequest)
@blp.response(200, BackupCodesResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 415, 422)
def confirm_sms(body: dict[str, Any]) -> dict[str, list[str]]:
    """Enable SMS codes with the texted code (10 minutes, 5 tries). ``backup_codes`` is
    always empty here: SMS comes after the authenticator app, whose confirmation gave
    them."""
    container().confirm_sms()(ConfirmSmsCommand(user_id=principal().user_id, **body))
    return {"backup_codes": []}


@blp.route("/sms", methods=["DELETE"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(ProofRequest)
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 404, 415, 422)
def disable_sms(body: dict[str, Any]) -> None:
    """Needs the password or a current code. The user is notified."""
    who = principal().user_id
    container().disable_factor()(DisableFactorCommand(user_id=who, kind=FactorKind.SMS, **body))


@blp.route("/backup-codes", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(ProofRequest)
@blp.response(200, BackupCodesResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 404, 415, 422)
def regenerate_backup_codes(body: dict[str, Any]) -> dict[str, list[str]]:
    """Replace every backup code with ten new ones (shown once). Needs the password or a
    current code; the user is notified."""
    command = RegenerateBackupCodesCommand(user_id=principal().user_id, **body)
    return {"backup_codes": container().regenerate_backup_codes()(command)}
