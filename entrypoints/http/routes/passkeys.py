"""``/api/v1/me/passkeys``: the signed-in user's passkeys."""

from __future__ import annotations

from typing import Any

from application.common.throttle import Rule
from application.passkeys.add_passkey import AddPasskeyCommand
from application.passkeys.remove_passkey import RemovePasskeyCommand
from application.passkeys.rename_passkey import RenamePasskeyCommand
from application.results import PasskeyView
from entrypoints.http.api import ApiBlueprint, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.limits import limited
from entrypoints.http.schemas.passkeys import (
    CreationOptionsResponse,
    PasskeyListResponse,
    PasskeyRegistrationRequest,
    PasskeyRenameRequest,
    PasskeyResponse,
)

blp = ApiBlueprint(
    "passkeys",
    __name__,
    url_prefix="/api/v1/me/passkeys",
    description="Passkeys of the signed-in user",
)


@blp.route("/options", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.response(200, CreationOptionsResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 409)
def start_passkey_registration() -> dict[str, Any]:
    """Creation options for a new passkey.

    WebAuthn L3 JSON for `PublicKeyCredential.parseCreationOptionsFromJSON`: a fresh
    challenge (valid 5 minutes, once; asking again replaces it), the relying party, the
    user's handle (64 random bytes, the same for all their passkeys, never the email or
    id), `excludeCredentials` listing their passkeys, ES256, EdDSA and RS256, user
    verification and a resident key preferred, attestation `none`. 409
    `too_many_passkeys` at 20 passkeys."""
    return {"options": container().start_passkey_registration()(principal().user_id)}


@blp.route("", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(PasskeyRegistrationRequest)
@blp.response(201, PasskeyResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 409, 413, 415, 422)
def add_passkey(body: dict[str, Any]) -> PasskeyView:
    """Store the passkey the browser made for those options.

    `credential` is `credential.toJSON()`. It must answer the pending challenge
    (`webauthn.create`, from one of the configured origins, for this relying party, user
    present, an offered algorithm); anything else is 422 `invalid_credential` and nothing
    is stored (the challenge is spent: ask for new options). 409 `passkey_exists` when the
    credential is registered already, to anyone. Records `passkey.added`; the user is
    mailed."""
    command = AddPasskeyCommand(principal().user_id, body["credential"], body["name"])
    return container().add_passkey()(command)


@blp.route("", methods=["GET"])
@authenticated
@blp.response(200, PasskeyListResponse)
@blp.doc(**security_doc())
@problems(blp, 401)
def list_passkeys() -> dict[str, Any]:
    """The user's passkeys, newest first, all in one page; never a public key."""
    return {"items": container().list_passkeys()(principal().user_id), "next_cursor": None}


@blp.route("/<string:passkey_id>", methods=["PATCH"])
@authenticated
@blp.arguments(PasskeyRenameRequest)
@blp.response(200, PasskeyResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 404, 415, 422)
def rename_passkey(body: dict[str, Any], passkey_id: str) -> PasskeyView:
    """Rename a passkey. Another user's passkey, or an unknown id, is 404."""
    command = RenamePasskeyCommand(principal().user_id, passkey_id, body["name"])
    return container().rename_passkey()(command)


@blp.route("/<string:passkey_id>", methods=["DELETE"])
@authenticated
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 401, 404, 409)
def remove_passkey(passkey_id: str) -> None:
    """Remove a passkey: it signs in no more. Another user's passkey is 404; removing the
    last way to sign in (no password, no other passkey) is 409 `last_login_method`.
    Records `passkey.removed`; the user is mailed."""
    container().remove_passkey()(RemovePasskeyCommand(principal().user_id, passkey_id))
