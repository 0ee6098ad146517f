"""``/api/v1/auth/oauth``: sign in with Google, GitHub or Apple.

The browser goes ``authorize`` → the provider → ``callback`` → the client app's
``redirect_uri`` with a one-time ``code``, which the app trades at ``exchange``. The
authorize answer sets an HttpOnly cookie holding the flow's browser binding, scoped to
that provider's callback path (:mod:`entrypoints.http.flow_cookies`); the callback
requires it and clears it. Both redirects are 302s carrying ``Referrer-Policy:
no-referrer`` and ``Cache-Control: no-store`` (every ``/api/`` answer does), and no token
ever appears in a URL.

A link goes ``authorize?link=`` → a page naming the account, whose form posts to
``link/confirm`` → the provider (a 303, as after any form) → ``callback``. The page is
the one HTML answer of the API (:mod:`entrypoints.http.link_page`), and those two
routes answer a refusal as a page too when a browser asks for HTML.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import request
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from application.common.throttle import Rule
from application.results import MfaChallenge, ProviderRedirect, TokenPair
from application.social.confirm_link import ConfirmProviderLinkCommand
from application.social.exchange_code import ExchangeProviderCodeCommand
from application.social.finish_callback import FinishProviderCallbackCommand
from application.social.review_link import ReviewProviderLinkCommand
from application.social.start_sign_in import StartProviderSignInCommand
from domain.social import Provider
from entrypoints.http import flow_cookies
from entrypoints.http.api import ApiBlueprint, client, container
from entrypoints.http.docs import problems
from entrypoints.http.limits import limited
from entrypoints.http.link_page import PAGE_DOC, confirmation_page, for_a_person, refusal_page
from entrypoints.http.problems import answer, note
from entrypoints.http.schemas.mfa import LoginResponse
from entrypoints.http.schemas.social import (
    AuthorizeQuery,
    CallbackForm,
    CallbackQuery,
    ExchangeRequest,
    LinkConfirmForm,
)

blp = ApiBlueprint(
    "oauth",
    __name__,
    url_prefix="/api/v1/auth/oauth",
    description="Sign-in with Google, GitHub or Apple",
)
_REDIRECT_DOC = {
    "description": "To the provider (authorize) or back to `redirect_uri` (callback)",
    "headers": {"Location": {"schema": {"type": "string"}}},
}
_CONFIRMED_DOC = {
    "description": "To the provider",
    "headers": {"Location": {"schema": {"type": "string"}}},
}


@blp.errorhandler(Exception)
def _refused(error: Exception) -> Response:
    """What this blueprint's routes raise, or the hooks before them: a page on the link
    confirmation's two routes and on the callbacks when a browser asks for HTML, else
    problem+json as from every route (the app's own handler)."""
    wording = for_a_person()
    if wording is None:
        return answer(error)
    note(error)
    return refusal_page(error, wording)


@blp.route("/<string:provider>/authorize", methods=["GET"])
@limited(Rule.LOGIN)
@blp.arguments(AuthorizeQuery, location="query")
@blp.doc(responses={200: PAGE_DOC, 302: _REDIRECT_DOC})
@problems(blp, 400, 404, 422, page=True)
def authorize(query: dict[str, Any], provider: str) -> Response:
    """Open this in the browser to sign in (`redirect_uri`) or to link (`link`, from
    `POST /me/providers/{provider}/link`).

    To sign in: 302 to the provider with `state`, PKCE S256 (Google, GitHub) and a
    `nonce` (Google, Apple); the flow lives 10 minutes. 422 `invalid_redirect_uri` for a
    `redirect_uri` outside the allow-list (no redirect at all).

    To link: 200, an HTML page naming the provider and the account the identity would
    join (its email masked), with "Continue to …", a form posting to `POST
    /auth/oauth/{provider}/link/confirm`, and "Cancel", back to the link's `redirect_uri`
    with `error=access_denied`. The page sets a `SameSite=Strict` cookie only its own form
    can match, so a link ticket handed to someone else links nothing by itself. Viewing
    the page does not use the ticket. 400 `invalid_state` for an unknown, used or expired
    ticket. With `link`, a browser (a client preferring `text/html` to JSON) sees a
    refusal as a page too: `text/html`, the same status, a sentence for the person.
    `Accept: application/json`, `*/*` or none gets problem+json.

    404 for a provider this deployment has not configured. A provider that cannot be
    reached sends the browser back with `error=provider_unavailable`."""
    if "link" in query:
        command = ReviewProviderLinkCommand(provider, query["link"])
        return confirmation_page(container().review_provider_link()(command))
    sign_in = StartProviderSignInCommand(provider, query.get("redirect_uri", ""))
    return _to_provider(container().start_provider_sign_in()(sign_in), 302)


@blp.route("/<string:provider>/link/confirm", methods=["POST"])
@limited(Rule.LOGIN)
@blp.arguments(LinkConfirmForm, location="form")
@blp.doc(responses={303: _CONFIRMED_DOC})
@problems(blp, 400, 403, 404, 415, 422, page=True)
def confirm_link(form: dict[str, Any], provider: str) -> Response:
    """Where the page of `authorize?link=` posts when the person continues (a form,
    `application/x-www-form-urlencoded`, not JSON; not for apps to call).

    303 to the provider, as a sign-in's authorize does; the link is made on the callback.
    403 `csrf_failed` when the post does not come from that page in this browser (its
    cookie missing, or `confirmation` not made for it): a form on another site cannot
    confirm, and nothing changes. 400 `invalid_state` for a ticket that is unknown,
    expired (60 s from `POST /me/providers/{provider}/link`) or used: a ticket is
    confirmed once. 404 for a provider this deployment has not configured.

    A browser sees every refusal as a page (`text/html`, the same status, `Retry-After`
    kept, a sentence for the person, nothing of the form echoed): a client that prefers
    `text/html` to JSON, as browsers' form posts do. `Accept: application/json` or
    `application/problem+json`, `*/*`, or none gets problem+json."""
    command = ConfirmProviderLinkCommand(
        provider=provider,
        ticket=form["link"],
        proof=form["confirmation"],
        nonce=request.cookies.get(flow_cookies.confirmation_name(provider), ""),
    )
    outcome = container().confirm_provider_link()(command)
    response = _to_provider(outcome, 303)
    flow_cookies.drop_confirmation(response, outcome.provider)
    return response


@blp.route("/<string:provider>/callback", methods=["GET"])
@limited(Rule.LOGIN)
@blp.arguments(CallbackQuery, location="query")
@blp.doc(responses={302: _REDIRECT_DOC})
@problems(blp, 400, 404, 422, page=True)
def provider_callback(query: dict[str, Any], provider: str) -> Response:
    """Where Google and GitHub send the browser back.

    302 to the flow's `redirect_uri` with `code` (one-time, 60 s, for `POST
    /auth/oauth/exchange`), `linked=<provider>` after a link, or `error`:
    `account_exists` (the verified email belongs to an account: sign in to it and link
    from there), `email_unverified`, `identity_linked_elsewhere`,
    `provider_already_linked`, `account_not_found` (a link whose account is gone),
    `access_denied`, `identity_rejected`, `provider_unavailable`. 400 `invalid_state`
    for a state that is unknown, expired, used, from another provider or from another
    browser: no redirect, nothing changes. A browser (a client that prefers `text/html`)
    gets its refusals as a page."""
    return _finish(provider, query)


@blp.route("/apple/callback", methods=["POST"])
@limited(Rule.LOGIN)
@blp.arguments(CallbackForm, location="form")
@blp.doc(responses={302: _REDIRECT_DOC})
@problems(blp, 400, 404, 415, 422, page=True)
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
        binding=request.cookies.get(flow_cookies.binding_name(provider), ""),
        code=answer.get("code"),
        error=answer.get("error"),
        apple_user=apple_user,
        issuer=answer.get("iss"),
    )
    outcome = container().finish_provider_callback()(command)
    response = redirect(outcome.url, 302)
    flow_cookies.unbind(response, outcome.provider)
    return response


def _to_provider(outcome: ProviderRedirect, status: int) -> Response:
    """On to the provider with the new flow's binding cookie; or, when the provider
    could not be reached, back to the app without one."""
    response = redirect(outcome.url, status)
    if outcome.binding is not None:
        flow_cookies.bind(response, outcome.provider, outcome.binding)
    return response
