"""``/api/v1/me/providers``: the sign-in providers linked to the signed-in user."""

from __future__ import annotations

from typing import Any

from application.common.throttle import Rule
from application.social.start_link import StartProviderLinkCommand
from application.social.unlink import UnlinkProviderCommand
from entrypoints.http.api import ApiBlueprint, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.limits import limited
from entrypoints.http.schemas.social import LinkRequest, LinkResponse, ProviderLinkListResponse

blp = ApiBlueprint(
    "providers",
    __name__,
    url_prefix="/api/v1/me/providers",
    description="Sign-in providers linked to the signed-in user",
)


@blp.route("", methods=["GET"])
@authenticated
@blp.response(200, ProviderLinkListResponse)
@blp.doc(**security_doc())
@problems(blp, 401)
def list_provider_links() -> dict[str, Any]:
    """The linked identities (at most one per provider), in one page; never a token."""
    return {"items": container().list_provider_links()(principal().user_id), "next_cursor": None}


@blp.route("/<string:provider>/link", methods=["POST"])
@limited(Rule.MFA)
@authenticated
@blp.arguments(LinkRequest)
@blp.response(200, LinkResponse)
@blp.doc(**security_doc())
@problems(blp, 400, 401, 404, 409, 415, 422)
def link_provider(body: dict[str, Any], provider: str) -> dict[str, str]:
    """Start linking an identity at `provider`: send the browser to `authorization_url`.

    Needs the password or a current authenticator or backup code (401 / 422
    `proof_required` otherwise); an account with neither proves itself by a sign-in less
    than 10 minutes old (422 `recent_sign_in_required`). 422 `invalid_redirect_uri`
    outside the allow-list; 409 `provider_already_linked`; 404 for a provider this
    deployment has not configured. The browser comes back to `redirect_uri` with
    `linked=<provider>`, or `error=identity_linked_elsewhere` when the identity belongs
    to another account (it is never moved). The user is mailed; `provider.linked` is
    recorded."""
    who = principal()
    command = StartProviderLinkCommand(
        user_id=who.user_id,
        session_id=who.session_id,
        provider=provider,
        redirect_uri=body["redirect_uri"],
        password=body.get("password"),
        code=body.get("code"),
    )
    return {"authorization_url": container().start_provider_link()(command)}


@blp.route("/<string:provider>", methods=["DELETE"])
@authenticated
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 401, 404, 409)
def unlink_provider(provider: str) -> None:
    """Unlink the identity at `provider`: it signs in no more. 404 `provider_not_linked`;
    409 `last_login_method` when nothing else could sign in (no password, passkey or
    other provider). The user is mailed; `provider.unlinked` is recorded."""
    container().unlink_provider()(UnlinkProviderCommand(principal().user_id, provider))
