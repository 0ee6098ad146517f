"""Linked accounts on the security page: link one (the password or a code, as ``POST
/me/providers/{provider}/link``), unlink one (as ``DELETE /me/providers/{provider}``).

Linking answers a page with a "Continue to …" link to the ``authorization_url`` rather
than a redirect: the console's CSP has ``form-action 'self'``, which Chromium applies to
the redirects after a form post, so the API's own 302 on to the provider would be
blocked; following a link is a navigation, which ``form-action`` does not govern.
"""

from __future__ import annotations

from flask import current_app
from flask.typing import ResponseReturnValue

from application.common.throttle import Rule
from application.social.start_link import StartProviderLinkCommand
from application.social.unlink import UnlinkProviderCommand
from entrypoints.http.api import container
from entrypoints.http.schemas.social import LinkRequest
from entrypoints.web import providers
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, render, signed_in, who
from entrypoints.web.views.security import security_page


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
        return render("continue_link.html", provider=providers.find(provider), url=url)
    return security_page(form)


@console.route("/security/providers/<string:provider>/unlink", methods=["POST"])
@signed_in
def unlink_provider(provider: str) -> ResponseReturnValue:
    form = Form(f"provider_unlink_{provider}")
    with form:
        container().unlink_provider()(UnlinkProviderCommand(who().user_id, provider))
        return done("console.security", "provider_unlinked")
    return security_page(form)
