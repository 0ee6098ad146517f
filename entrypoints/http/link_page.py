"""The page that asks a person to confirm a provider link, as ``authorize?link=`` answers
it, and the pages its refusals and the provider callbacks' are for a person: the API's
only HTML answers.

It is drawn with the console's page skeleton and stylesheet, so it looks like the
account console, but it is served under ``/api/`` with the API's headers: ``no-store``,
``no-referrer``, and a policy that admits this origin's stylesheet and icon and no script
and no frame (:data:`entrypoints.http.envelope.PAGE`). It has no ``form-action``, unlike
the console's: its form answers with a redirect to the provider. The nonce goes into the
page's ``SameSite=Strict`` cookie, its proof into the form (``LinkConfirmations``).

A refusal of that address, or of the form's post (an expired or used ticket, a forged
post, an unknown provider, a limit, an outage), or of the callback the provider sends the
browser back to (a state unknown, used, expired or from another browser), is a page too,
for a browser: drawn and
served alike, at the problem's status, with ``Retry-After`` where the problem has it, and
a sentence for the person (:mod:`entrypoints.web.refusals`), never the ticket, the proof
or the cookie. A browser is a client that prefers ``text/html`` to JSON, as browsers'
navigations and form posts say (``text/html`` at q=1, ``*/*`` below it). A client that
asks for JSON or ``application/problem+json``, sends ``*/*`` or no ``Accept`` at all, or
ranks HTML and JSON alike gets the API's problem+json, as from every other route.
"""

from __future__ import annotations

from flask import render_template
from werkzeug.wrappers import Response

from application.social.review_link import LinkReview
from entrypoints.http import flow_cookies
from entrypoints.http.api import current_request
from entrypoints.http.envelope import PAGE
from entrypoints.web import refusals
from entrypoints.web.messages import BACK_FROM_PROVIDER, CONFIRMING_LINK, Wording

PAGE_DOC = {
    "description": "With `link`: the page asking the person to confirm (HTML, `no-store`)",
    "content": {"text/html": {"schema": {"type": "string"}}},
}
_AUTHORIZE, _CONFIRM = "oauth.authorize", "oauth.confirm_link"
_CALLBACKS = frozenset({"oauth.provider_callback", "oauth.apple_callback"})
_PROBLEM_FIRST = ("application/problem+json", "application/json", "text/html")
"""In this order, so that a tie, ``*/*`` or no ``Accept`` at all chooses problem+json."""


def confirmation_page(review: LinkReview) -> Response:
    body = render_template(
        "console/confirm_link.html",
        name=review.provider.display_name,
        account=review.account,
        action=flow_cookies.confirm_path(review.provider),
        ticket=review.ticket,
        proof=review.proof,
        cancel_url=review.cancel_url,
    )
    response = Response(body, 200, mimetype="text/html")
    current_request().environ[PAGE] = True
    flow_cookies.keep_confirmation(response, review.provider, review.nonce)
    return response


def for_a_person() -> Wording | None:
    """How this request's refusal reads as a page, or None for problem+json: it opened
    the confirmation page (``authorize`` with ``link``), posted its form, or came back
    from the provider (a callback), from a client that prefers ``text/html``."""
    request = current_request()
    endpoint = request.endpoint
    if endpoint == _CONFIRM or (endpoint == _AUTHORIZE and "link" in request.args):
        wording = CONFIRMING_LINK
    elif endpoint in _CALLBACKS:
        wording = BACK_FROM_PROVIDER
    else:
        return None
    preferred = request.accept_mimetypes.best_match(_PROBLEM_FIRST)
    return wording if preferred == "text/html" else None


def refusal_page(error: Exception, wording: Wording) -> Response:
    refused = refusals.refusal(error, wording=wording)
    response = refusals.page("link_refused.html", refused)
    current_request().environ[PAGE] = True
    return response
