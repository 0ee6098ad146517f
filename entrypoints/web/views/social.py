"""The page a provider sign-in or link comes back to: ``/account/oauth/callback``
(:data:`entrypoints.web.providers.CALLBACK_PATH`), reached through the API's callback.

``/account/oauth/{provider}/start`` puts a random value in an HttpOnly cookie and in the
``redirect_uri`` (``?flow=``) and goes on to the API's authorize. ``?code=`` counts only
with the same ``flow`` as this browser's cookie (so a code from someone else's browser
cannot sign this one in to their account: login CSRF), and is traded exactly as ``POST
/api/v1/auth/oauth/exchange`` trades it; the outcome goes where a password's goes (the
session cookies, or the second step). ``?error=`` shows the sign-in page with a sentence
for it (never problem+json), or the security page when a link came back refused;
``?linked=`` goes to the security page with a notice. The URL's own text never reaches a
page: each answer is a sentence chosen by its code.
"""

from __future__ import annotations

from flask import redirect
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import NotFound

from application.common.throttle import Rule
from application.social.exchange_code import ExchangeProviderCodeCommand
from entrypoints.http.api import client, container, current_request
from entrypoints.web import cookies, providers, session
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.messages import provider_refusal
from entrypoints.web.pages import charge, done, render, safe_next
from entrypoints.web.views.security import security_page
from entrypoints.web.views.sign_in import finish_sign_in

FLOW_LIFETIME = 600
"""As long as the API keeps the flow."""
_OTHER_BROWSER = "That sign-in didn't start in this browser. Please start it again here."


@console.route("/oauth/<string:provider>/start", methods=["GET"])
def start_provider_sign_in(provider: str) -> ResponseReturnValue:
    if providers.find(provider) is None:
        raise NotFound()
    flow = container().secrets().token(32)
    cookies.pending().write(cookies.SOCIAL, flow, FLOW_LIFETIME)
    return redirect(providers.authorize_url(provider, flow), 303)


@console.route("/oauth/callback", methods=["GET"])
def provider_callback() -> ResponseReturnValue:
    args = current_request().args
    target = safe_next(None)
    if "linked" in args:
        return done("console.security", "provider_linked")
    form = Form("sign_in")
    code = args.get("code", "")
    if code and not _started_here(args.get("flow", "")):
        form.answered("invalid_state", _OTHER_BROWSER)
    elif code:
        with form:
            charge(Rule.LOGIN)
            command = ExchangeProviderCodeCommand(code, client())
            return finish_sign_in(container().exchange_provider_code()(command), target)
        if form.code == "invalid_code":
            form.answered("invalid_code", provider_refusal("invalid_code"))
    else:
        error = args.get("error", "")
        if session.visitor() is not None:  # a link that came back refused
            linking = Form("provider_link")
            linking.answered(error, provider_refusal(error, linking=True))
            return security_page(linking)
        form.answered(error, provider_refusal(error))
    return render("sign_in.html", failed=form, next=target)


def _started_here(flow: str) -> bool:
    """The flow is this browser's; either way its cookie has done its work."""
    bound = current_request().cookies.get(cookies.SOCIAL, "")
    cookies.pending().clear(cookies.SOCIAL)
    return bool(bound) and container().digester().same(bound, flow)
