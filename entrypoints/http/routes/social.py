"""``/api/v1/auth/oauth``: sign in with Google, GitHub or Apple.

The browser goes ``authorize`` → the provider → ``callback`` → the client app's
``redirect_uri`` with a one-time ``code``, which the app trades at ``exchange``. The
authorize answer sets an HttpOnly cookie holding the flow's browser binding, scoped to
that provider's callback path (``SameSite=Lax``; for Apple, whose answer is a cross-site
form post, ``SameSite=None; Secure``); the callback requires it and clears it. Both
redirects are 302s carrying ``Referrer-Policy: no-referrer`` and ``Cache-Control:
no-store`` (every ``/api/`` answer does), and no token ever appears in a URL.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import request
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from application.common.throttle import Rule
from application.results import MfaChallenge, ProviderRedirect, TokenPair
from application.social.exchange_code import ExchangeProviderCodeCommand
from application.social.finish_callback import FinishProviderCallbackCommand
from application.social.start_sign_in import StartProviderSignInCommand
from domain.social import Provider
from entrypoints.http.api import ApiBlueprint, client, container
from entrypoints.http.docs import problems
from entrypoints.http.limits import limited
from entrypoints.http.schemas.mfa import LoginResponse
from entrypoints.http.schemas.social import (
    AuthorizeQuery,
    CallbackForm,
    CallbackQuery,
    ExchangeRequest,
)

blp = ApiBlueprint(
    "oauth",
    __name__,
    url_prefix="/api/v1/auth/oauth",
    description="Sign-in with Google, GitHub or Apple",
)
FLOW_LIFETIME = 600
_REDIRECT_DOC = {
    "description": "To the provider (authorize) or back to `redirect_uri` (callback)",
    "headers": {"Location": {"schema": {"type": "string"}}},
}


@blp.route("/<string:provider>/authorize", methods=["GET"])
@limited(Rule.LOGIN)
@blp.arguments(AuthorizeQuery, location="query")
@blp.doc(responses={302: _REDIRECT_DOC})
@problems(blp, 400, 404, 422)
def authorize(query: dict[str, Any], provider: str) -> Response:
    """Open this in the browser to sign in (`redirect_uri`) or to link (`link`, from
    `POST /me/providers/{provider}/link`).

    302 to the provider with `state`, PKCE S256 (Google, GitHub) and a `nonce` (Google,
    Apple); the flow lives 10 minutes. 404 for a provider this deployment has not
    configured; 422 `invalid_redirect_uri` for a `redirect_uri` outside the allow-list
    (no redirect at all); 400 `invalid_state` for an unknown or used link ticket. A
    provider that cannot be reached sends the browser back with
    `error=provider_unavailable`."""
    command = StartProviderSignInCommand(provider, query.get("redirect_uri"), query.get("link"))
    outcome = container().start_provider_sign_in()(command)
    response = redirect(outcome.url, 302)
    if outcome.binding is not None:
        _bind(response, outcome)
    return response


@blp.route("/<string:provider>/callback", methods=["GET"])
@limited(Rule.LOGIN)
@blp.arguments(CallbackQuery, location="query")
@blp.doc(responses={302: _REDIRECT_DOC})
@problems(blp, 400, 404, 422)
def provider_callback(query: dict[str, Any], provider: str) -> Response:
    """Where Google and GitHub send the browser back.

    302 to the flow's `redirect_uri` with `code` (one-time, 60 s, for `POST
    /auth/oauth/exchange`), `linked=<provider>` after a link, or `error`:
    `account_exists` (the verified email belongs to an account: sign in to it and link
    from there), `email_unverified`, `identity_linked_elsewhere`,
    `provider_already_linked`, `account_not_found` (a link whose account is gone),
    `access_denied`, `identity_rejected`, `provider_unavailable`. 400 `invalid_state`
    for a state that is unknown, expired, used, from another provider or from another
    browser: no redirect, nothing changes."""
    return _finish(provider, query)


@blp.route("/apple/callback", methods=["POST"])
@limited(Rule.LOGIN)
@blp.arguments(CallbackForm, location="form")
@blp.doc(responses={302: _REDIRECT_DOC})
@problems(blp, 400, 404, 415, 422)
def apple_callback(form: dict[str, Any]) -> Response:
    """Where Apple posts its answer (`response_mode=form_post`, so this one body is
    `application/x-www-form-urlencoded`, not JSON). Answers as the GET callback."""
    return _finish(Provider.APPLE.value, form, apple_user=form.get("user"))


@blp.route("/exchange", methods=["POST"])
@limited(Rule.LOGIN)
@blp.arguments(ExchangeRequest)
@blp.response(200, LoginResponse)
@problems(blp, 400, 403, 415, 422)
def exchange_code(body: dict[str, Any]) -> TokenPair | dict[str, Any]:
    """Trade the callback's one-time `code` for the sign-in: the token response with `amr:
    ["oauth"]`, or, for a user with a second factor, `mfa_required` with a `login_token`
    for `POST /auth/login/mfa` (finishing gives `amr: ["oauth", ...]`). 400 `invalid_code`
    for a wrong, used or expired code (of parallel exchanges of one code, one succeeds);
    403 `account_disabled` or `account_locked`."""
    command = ExchangeProviderCodeCommand(body["code"], client())
    outcome = container().exchange_provider_code()(command)
    if isinstance(outcome, MfaChallenge):
        return {"mfa_required": True, **asdict(outcome)}
    return outcome


def _finish(provider: str, answer: dict[str, Any], apple_user: str | None = None) -> Response:
    command = FinishProviderCallbackCommand(
        provider=provider,
        state=answer["state"],
        binding=request.cookies.get(cookie_name(provider), ""),
        code=answer.get("code"),
        error=answer.get("error"),
        apple_user=apple_user,
        issuer=answer.get("iss"),
    )
    outcome = container().finish_provider_callback()(command)
    response = redirect(outcome.url, 302)
    _unbind(response, outcome.provider)
    return response


def cookie_name(provider: str) -> str:
    return f"bastion_oauth_{provider}"


def _bind(response: Response, outcome: ProviderRedirect) -> None:
    """The binding cookie: HttpOnly, only for that provider's callback, 10 minutes."""
    _cookie(response, outcome.provider, outcome.binding or "", FLOW_LIFETIME)


def _unbind(response: Response, provider: Provider) -> None:
    """The cookie's flow is over: the same cookie, expired."""
    _cookie(response, provider, "", 0)


def _cookie(response: Response, provider: Provider, value: str, max_age: int) -> None:
    """Apple answers with a cross-site form post, which carries only a ``SameSite=None``
    cookie (and browsers take those only with ``Secure``); the others come back by a
    top-level GET, for which ``Lax`` suffices."""
    apple = provider is Provider.APPLE
    public_url = container().settings().public_url
    response.set_cookie(
        cookie_name(provider.value),
        value,
        max_age=max_age,
        expires=0 if max_age == 0 else None,
        path=_callback_path(provider.value),
        secure=apple or public_url.startswith("https://"),
        httponly=True,
        samesite="None" if apple else "Lax",
    )


def _callback_path(provider: str) -> str:
    return f"{blp.url_prefix}/{provider}/callback"
