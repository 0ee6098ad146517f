"""``/api/v1/me``: the signed-in user's own account."""

from __future__ import annotations

from typing import Any

from application.account.change_password import ChangePasswordCommand
from application.account.confirm_email_change import ConfirmEmailChangeCommand
from application.account.delete_account import DeleteAccountCommand
from application.account.get_profile import GetProfileCommand
from application.account.request_email_change import RequestEmailChangeCommand
from application.account.update_profile import UpdateProfileCommand
from application.account.verify_phone import ConfirmPhoneCommand, SendPhoneCodeCommand
from application.common.throttle import Rule
from domain.users import UserProfile
from entrypoints.http.api import ApiBlueprint, client, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import (
    authenticated,
    authenticated_with_profile,
    own_profile,
    principal,
)
from entrypoints.http.limits import limited
from entrypoints.http.schemas.account import (
    ChangePasswordRequest,
    EmailChangeRequest,
    ProfileUpdateRequest,
)
from entrypoints.http.schemas.common import StatusResponse, UserResponse
from entrypoints.http.schemas.mfa import CodeRequest, ProofRequest

blp = ApiBlueprint("me", __name__, url_prefix="/api/v1/me", description="The signed-in user")


@blp.route("", methods=["GET"])
@authenticated_with_profile
@blp.response(200, UserResponse)
@blp.doc(**security_doc())
@problems(blp, 401)
def get_me() -> UserProfile:
    """The signed-in user's profile."""
    return own_profile()


@blp.route("", methods=["PATCH"])
@authenticated
@blp.arguments(ProfileUpdateRequest)
@blp.response(200, UserResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 415, 422)
def update_me(body: dict[str, Any]) -> UserProfile:
    """Change names or phone; a new phone is unverified until confirmed."""
    who = principal()
    command = UpdateProfileCommand(user_id=who.user_id, session_id=who.session_id, **body)
    return container().update_profile()(command)


@blp.route("", methods=["DELETE"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(ProofRequest)
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 415, 422)
def delete_me(body: dict[str, Any]) -> None:
    """Delete the account.

    Needs `password`, or `code`: a current authenticator or backup code (422
    `proof_required` without either, 401 when wrong; wrong tries count toward the
    account's limit of wrong codes). An account with neither a password nor a second
    factor (it signs in through a provider or a passkey only) needs neither, but a
    sign-in less than 10 minutes old (422 `recent_sign_in_required` otherwise).
    Everything the account owns goes with it: sessions and refresh tokens (every access
    token fails on its next call), the security log, second factors, backup codes,
    passkeys, linked providers and the profile picture. Only the id is
    published, on `user:deleted`; an `account.deleted` event that names no user stays."""
    who = principal()
    command = DeleteAccountCommand(user_id=who.user_id, session_id=who.session_id, **body)
    container().delete_account()(command)


@blp.route("/email", methods=["POST"])
@limited(Rule.RESEND)
@authenticated
@blp.arguments(EmailChangeRequest)
@blp.response(202, StatusResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 415, 422)
def request_email_change(body: dict[str, Any]) -> dict[str, str]:
    """Start moving the account to a new address.

    Needs the current `password` (401 `invalid_credentials` when wrong, counted like
    every step-up proof). A 6-digit code goes to `new_email` (15 minutes, 5 tries);
    confirm it with `POST /me/email/verify`. Nothing changes until then. The answer is
    the same whether or not another account has the address (that owner is told
    instead), so this cannot probe who is registered."""
    who = principal()
    command = RequestEmailChangeCommand(user_id=who.user_id, session_id=who.session_id, **body)
    container().request_email_change()(command)
    return {"status": "code_sent"}


@blp.route("/email/verify", methods=["POST"])
@limited(Rule.VERIFY)
@authenticated
@blp.arguments(CodeRequest)
@blp.response(200, UserResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 409, 415, 422, 429)
def confirm_email_change(body: dict[str, Any]) -> UserProfile:
    """Switch to the new address with the mailed code.

    400 `invalid_code` when wrong, expired or used; 429 once 5 tries are spent; 409
    `email_taken` when another account took the address meanwhile. The address stays
    verified, the old one is told (no secret in that mail), reset links sent to the
    old address stop working, `email.changed` is recorded and `user:updated` published.
    Access tokens minted before carry the old `user_email` until they expire."""
    who = principal()
    command = ConfirmEmailChangeCommand(user_id=who.user_id, session_id=who.session_id, **body)
    return container().confirm_email_change()(command)


@blp.route("/password", methods=["POST"])
@limited(Rule.LOGIN)
@authenticated
@blp.arguments(ChangePasswordRequest)
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 415, 422)
def change_password(body: dict[str, Any]) -> None:
    """Needs the current password; every other session of the user ends."""
    who = principal()
    container().change_password()(
        ChangePasswordCommand(user_id=who.user_id, session_id=who.session_id, **body)
    )


@blp.route("/phone/verify", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.response(202, StatusResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 409)
def send_phone_code() -> dict[str, str]:
    """Text a 6-digit code (10 minutes, 5 tries) to the profile phone; 409
    ``phone_not_set`` when there is no unverified phone."""
    container().send_phone_code()(
        SendPhoneCodeCommand(user_id=principal().user_id, client=client())
    )
    return {"status": "code_sent"}


@blp.route("/phone/confirm", methods=["POST"])
@limited(Rule.VERIFY)
@authenticated
@blp.arguments(CodeRequest)
@blp.response(200, UserResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 415, 422)
def confirm_phone(body: dict[str, Any]) -> UserProfile:
    """Mark the profile phone verified with the texted code."""
    user_id = principal().user_id
    container().confirm_phone()(ConfirmPhoneCommand(user_id=user_id, **body))
    return container().get_profile()(GetProfileCommand(user_id))
