"""Linked accounts on the security page: link one (the password or a code, as ``POST
/me/providers/{provider}/link``), unlink one (as ``DELETE /me/providers/{provider}``).

Linking answers a 303 to the ``authorization_url``: the API's page that names the
account and asks the person to confirm, on this same origin, so the console's
``form-action 'self'`` (which Chromium applies to the redirects after a form post) lets
it through. That page's own form goes on to the provider; it has no ``form-action``. So
the person confirms once, on the page that names the account, which is what stops a link
ticket handed to someone else (account-linking CSRF).
"""

from __future__ import annotations

from flask import current_app, redirect
from flask.typing import ResponseReturnValue

from application.common.throttle import Rule
from application.social.start_link import StartProviderLinkCommand
from application.social.unlink import UnlinkProviderCommand
from entrypoints.http.api import container
from entrypoints.http.schemas.social import LinkRequest
from entrypoints.web import providers
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, signed_in, who
from entrypoints.web.views.security import security_page
from entrypoints.web.wording import same_origin_path


@console.route("/security/providers/<string:provider>/link", methods=["POST"])
@signed_in
def link_provider(provider: str) -> ResponseReturnValue:
    form = Form(f"provider_link_{provider}", LinkRequest)
    with form:
        charge(Rule.MFA)
        back = current_app.config["BASTION_PUBLIC_URL"] + providers.CALLBACK_PATH
        person = who()
        command = StartProviderLinkCommand(
            user_id=person.user_id,
            session_id=person.session_id,
            provider=provider,
            **form.load(given={"redirect_uri": back}),
        )
        url = container().start_provider_link()(command)
        return redirect(same_origin_path(url), 303)
    return security_page(form)


@console.route("/security/providers/<string:provider>/unlink", methods=["POST"])
@signed_in
def unlink_provider(provider: str) -> ResponseReturnValue:
    form = Form(f"provider_unlink_{provider}")
    with form:
        container().unlink_provider()(UnlinkProviderCommand(who().user_id, provider))
        return done("console.security", "provider_unlinked")
    return security_page(form)
