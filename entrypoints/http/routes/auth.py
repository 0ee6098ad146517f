"""``/api/v1/auth``: register, verify, sign in, refresh, sign out, reset the password."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from application.auth.complete_mfa_login import CompleteMfaLoginCommand
from application.auth.log_in import LogInCommand
from application.auth.log_out import LogOutCommand
from application.auth.refresh_session import RefreshSessionCommand
from application.auth.register_user import RegisterUserCommand
from application.auth.request_password_reset import RequestPasswordResetCommand
from application.auth.resend_verification import ResendVerificationCommand
from application.auth.reset_password import ResetPasswordCommand
from application.auth.send_login_sms import SendLoginSmsCommand
from application.auth.sign_in_with_passkey import SignInWithPasskeyCommand
from application.auth.start_passkey_sign_in import StartPasskeySignInCommand
from application.auth.verify_email import VerifyEmailCommand
from application.common.throttle import Rule
from application.results import MfaChallenge, PasskeySignInOptions, TokenPair
from domain.users import UserProfile
from entrypoints.http.api import ApiBlueprint, client, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.limits import limited
from entrypoints.http.schemas.auth import (
    EmailRequest,
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    ResetPasswordRequest,
    TokenResponse,
    VerifyEmailRequest,
)
from entrypoints.http.schemas.common import StatusResponse, UserResponse
from entrypoints.http.schemas.mfa import LoginResponse, LoginTokenRequest, MfaLoginRequest
from entrypoints.http.schemas.passkeys import (
    PasskeyOptionsRequest,
    PasskeyVerifyRequest,
    SignInOptionsResponse,
)

blp = ApiBlueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-up and sign-in")
ACCEPTED = {"status": "verification_sent"}


@blp.route("/register", methods=["POST"])
@limited(Rule.REGISTER)
@blp.arguments(RegisterRequest)
@blp.response(202, StatusResponse)
@problems(blp, 400, 415, 422)
def register(body: dict[str, Any]) -> dict[str, str]:
    """Create an account, or re-send its code. The answer never says whether the email
    was taken: the owner of a verified account gets a notice by mail instead."""
    container().register_user()(RegisterUserCommand(**body))
    return ACCEPTED


@blp.route("/email/verify", methods=["POST"])
@limited(Rule.VERIFY)
@blp.arguments(VerifyEmailRequest)
@blp.response(200, UserResponse)
@problems(blp, 400, 415, 422)
def verify_email(body: dict[str, Any]) -> UserProfile:
    """Confirm the address with its 6-digit code (15 minutes, 5 tries across resends)."""
    return container().verify_email()(VerifyEmailCommand(**body))


@blp.route("/email/resend", methods=["POST"])
@limited(Rule.RESEND)
@blp.arguments(EmailRequest)
@blp.response(202, StatusResponse)
@problems(blp, 400, 415, 422)
def resend_verification(body: dict[str, Any]) -> dict[str, str]:
    """Send a new code to an unverified account; the same 202 for any email."""
    container().resend_verification()(ResendVerificationCommand(**body))
    return ACCEPTED


@blp.route("/login", methods=["POST"])
@limited(Rule.LOGIN)
@blp.arguments(LoginRequest)
@blp.response(200, LoginResponse)
@problems(blp, 400, 401, 403, 415, 422)
def log_in(body: dict[str, Any]) -> TokenPair | dict[str, Any]:
    """Sign in with email and password. 401 ``invalid_credentials`` for an unknown email
    or a wrong password alike; 403 ``account_disabled``, ``account_locked`` or
    ``email_not_verified`` only after a correct password. A user with a second factor
    gets ``mfa_required`` and a ``login_token`` instead of tokens."""
    outcome = container().log_in()(LogInCommand(client=client(), **body))
    if isinstance(outcome, MfaChallenge):
        return {"mfa_required": True, **asdict(outcome)}
    return outcome


@blp.route("/login/mfa", methods=["POST"])
@limited(Rule.MFA)
@blp.arguments(MfaLoginRequest)
@blp.response(200, TokenResponse)
@problems(blp, 400, 401, 403, 415, 422)
def complete_mfa_login(body: dict[str, Any]) -> TokenPair:
    """Complete a sign-in with a ``totp``, ``sms`` or ``backup_code`` code, or with
    ``method: passkey`` and the ``credential`` answering ``POST /auth/passkey/options
    {login_token}``. 401 ``invalid_mfa_code`` for a wrong, replayed or used code or a
    refused passkey; 401 ``invalid_login_token`` once the attempt is over (5 minutes, 5
    tries, or already completed); 429 when the account's second-factor budget (20 wrong
    codes per 15 minutes, across attempts) is spent. The access token's ``amr`` lists
    both steps."""
    command = CompleteMfaLoginCommand(
        login_token=body["login_token"],
        method=body["method"],
        code=body.get("code", ""),
        client=client(),
        credential=body.get("credential"),
    )
    return container().complete_mfa_login()(command)


@blp.route("/login/sms", methods=["POST"])
@limited(Rule.MFA)
@blp.arguments(LoginTokenRequest)
@blp.response(202, StatusResponse)
@problems(blp, 400, 401, 415, 422)
def send_login_sms(body: dict[str, Any]) -> dict[str, str]:
    """Text the sign-in code (6 digits, 5 minutes, bound to this ``login_token``) to the
    confirmed SMS number. One per 30 s per account, 10 a day per account and number."""
    container().send_login_sms()(SendLoginSmsCommand(client=client(), **body))
    return {"status": "code_sent"}


@blp.route("/passkey/options", methods=["POST"])
@limited(Rule.LOGIN)
@blp.arguments(PasskeyOptionsRequest)
@blp.response(200, SignInOptionsResponse)
@problems(blp, 400, 401, 415, 422)
def start_passkey_sign_in(body: dict[str, Any]) -> PasskeySignInOptions:
    """Request options to sign in with a passkey (WebAuthn L3 JSON for
    ``PublicKeyCredential.parseRequestOptionsFromJSON``) and the ``login_token`` naming
    the challenge (5 minutes, once).

    With no body members: the discoverable flow, ``allowCredentials`` empty (conditional
    UI). With ``email``: that account's passkeys; an unknown email, or an account without
    passkeys, gets the same shape with stable decoy ids, so the answer reveals nothing.
    Both require user verification. With the ``login_token`` of a pending two-step
    sign-in: that user's passkeys, user verification preferred, for ``POST
    /auth/login/mfa`` with ``method: passkey`` (401 ``invalid_login_token`` when the
    attempt is over, 400 ``mfa_method_unavailable`` when the user has no passkey)."""
    return container().start_passkey_sign_in()(StartPasskeySignInCommand(**body))


@blp.route("/passkey/verify", methods=["POST"])
@limited(Rule.LOGIN)
@blp.arguments(PasskeyVerifyRequest)
@blp.response(200, TokenResponse)
@problems(blp, 400, 401, 403, 413, 415, 422)
def sign_in_with_passkey(body: dict[str, Any]) -> TokenPair:
    """Sign in with a passkey alone: ``credential`` is ``credential.toJSON()`` for the
    options of ``login_token``. User verification is required, so this is a multi-factor
    sign-in: tokens with ``amr: ["passkey"]`` on a verified device session, even for a
    user with an authenticator app. Any refusal (expired or used challenge, wrong origin
    or relying party, no user verification, a rewound counter, a credential of another
    account) is 401 ``invalid_credentials``; 403 ``account_disabled``,
    ``account_locked`` or ``email_not_verified`` only after a valid assertion."""
    command = SignInWithPasskeyCommand(body["login_token"], body["credential"], client())
    return container().sign_in_with_passkey()(command)


@blp.route("/refresh", methods=["POST"])
@limited(Rule.REFRESH)
@blp.arguments(RefreshRequest)
@blp.response(200, TokenResponse)
@problems(blp, 400, 401, 415, 422)
def refresh(body: dict[str, Any]) -> TokenPair:
    """Rotate the refresh token. 401 ``token_rotated`` within the grace window (nothing
    changes); 401 ``token_reused`` after it (the session is revoked)."""
    return container().refresh_session()(RefreshSessionCommand(**body))


@blp.route("/logout", methods=["POST"])
@authenticated
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 401)
def log_out() -> None:
    """End the current session: its access and refresh tokens stop working at once."""
    who = principal()
    container().log_out()(LogOutCommand(user_id=who.user_id, session_id=who.session_id))


@blp.route("/password/forgot", methods=["POST"])
@limited(Rule.FORGOT)
@blp.arguments(EmailRequest)
@blp.response(202, StatusResponse)
@problems(blp, 400, 415, 422)
def forgot_password(body: dict[str, Any]) -> dict[str, str]:
    """Mail a reset link (30 minutes, single use); the same 202 for any email."""
    container().request_password_reset()(RequestPasswordResetCommand(**body))
    return {"status": "reset_sent"}


@blp.route("/password/reset", methods=["POST"])
@limited(Rule.RESET)
@blp.arguments(ResetPasswordRequest)
@blp.response(204)
@problems(blp, 400, 415, 422)
def reset_password(body: dict[str, Any]) -> None:
    """Set a new password with the mailed token. Every session ends; no tokens are
    issued; second factors stay on."""
    container().reset_password()(ResetPasswordCommand(**body))
