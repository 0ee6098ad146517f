"""The page a provider sign-in or link comes back to: ``/account/oauth/callback``
(:data:`entrypoints.web.providers.CALLBACK_PATH`), reached through the API's callback.

``?code=`` is traded exactly as ``POST /api/v1/auth/oauth/exchange`` trades it, and the
outcome goes where a password's goes (the session cookies, or the second step);
``?error=`` shows the sign-in page with a sentence for it (never problem+json);
``?linked=`` goes to the security page with a notice. The URL's own text never reaches a
page: each answer is a sentence chosen by its code.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from application.common.throttle import Rule
from application.social.exchange_code import ExchangeProviderCodeCommand
from entrypoints.http.api import client, container, current_request
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.messages import provider_refusal
from entrypoints.web.pages import charge, done, render, safe_next
from entrypoints.web.views.sign_in import finish_sign_in


@console.route("/oauth/callback", methods=["GET"])
def provider_callback() -> ResponseReturnValue:
    args = current_request().args
    target = safe_next(None)
    if "linked" in args:
        return done("console.security", "provider_linked")
    form = Form("sign_in")
    code = args.get("code", "")
    if code:
        with form:
            charge(Rule.LOGIN)
            command = ExchangeProviderCodeCommand(code, client())
            return finish_sign_in(container().exchange_provider_code()(command), target)
        if form.code == "invalid_code":
            form.answered("invalid_code", provider_refusal("invalid_code"))
    else:
        form.answered(args.get("error", ""), provider_refusal(args.get("error", "")))
    return render("sign_in.html", failed=form, next=target)
