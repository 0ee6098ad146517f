"""The security page: the password, the second factors, passkeys and linked accounts.
Its forms post to the modules of each part, which render this page again when a
change is refused."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from application.account.change_password import ChangePasswordCommand
from application.common.throttle import Rule
from entrypoints.http.api import container
from entrypoints.http.schemas.account import ChangePasswordRequest
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, render, signed_in, who


@console.route("/security", methods=["GET"])
@signed_in
def security() -> ResponseReturnValue:
    return security_page()


@console.route("/passkeys", methods=["GET"])
@signed_in
def passkeys() -> ResponseReturnValue:
    """Where the passkey mails point: the security page, at its passkeys."""
    return security_page()


@console.route("/providers", methods=["GET"])
@signed_in
def linked_accounts() -> ResponseReturnValue:
    """Where the provider mails point: the security page, at its linked accounts."""
    return security_page()


def security_page(failed: Form | None = None, **extra: Any) -> ResponseReturnValue:
    """The page with what it lists read afresh, and ``failed`` beside its form."""
    user_id = who().user_id
    services = container()
    return render(
        "security.html",
        failed=failed,
        mfa=services.get_mfa_status()(user_id),
        passkeys=services.list_passkeys()(user_id),
        linked=services.list_provider_links()(user_id),
        **extra,
    )


@console.route("/security/password", methods=["POST"])
@signed_in
def change_password() -> ResponseReturnValue:
    form = Form("password", ChangePasswordRequest)
    with form:
        charge(Rule.LOGIN)
        person = who()
        command = ChangePasswordCommand(
            user_id=person.user_id, session_id=person.session_id, **form.load()
        )
        container().change_password()(command)
        return done("console.security", "password_changed")
    return security_page(form)
