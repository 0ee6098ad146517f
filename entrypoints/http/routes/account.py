"""``/api/v1/me``: the signed-in user's own account."""

from __future__ import annotations

from typing import Any

from application.account.change_password import ChangePasswordCommand
from application.account.get_profile import GetProfileCommand
from application.account.update_profile import UpdateProfileCommand
from application.account.verify_phone import ConfirmPhoneCommand, SendPhoneCodeCommand
from application.common.throttle import Rule
from application.results import UserProfile
from entrypoints.http.api import ApiBlueprint, client, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.limits import limited
from entrypoints.http.schemas.account import ChangePasswordRequest, ProfileUpdateRequest
from entrypoints.http.schemas.common import StatusResponse, UserResponse
from entrypoints.http.schemas.mfa import CodeRequest

blp = ApiBlueprint("me", __name__, url_prefix="/api/v1/me", description="The signed-in user")


@blp.route("", methods=["GET"])
@authenticated
@blp.response(200, UserResponse)
@blp.doc(**security_doc())
@problems(blp, 401)
def get_me() -> UserProfile:
    return container().get_profile()(GetProfileCommand(principal().user_id))


@blp.route("", methods=["PATCH"])
@authenticated
@blp.arguments(ProfileUpdateRequest)
@blp.response(200, UserResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 415, 422)
def update_me(body: dict[str, Any]) -> UserProfile:
    """Change names or phone; a new phone is unverified until confirmed."""
    return container().update_profile()(UpdateProfileCommand(user_id=principal().user_id, **body))


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
