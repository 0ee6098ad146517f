"""The page that asks a person to confirm a provider link, as ``authorize?link=`` answers
it: the API's one HTML answer.

It is drawn with the console's page skeleton and stylesheet, so it looks like the
account console, but it is served under ``/api/`` with the API's headers: ``no-store``,
``no-referrer``, and a policy that admits this origin's stylesheet and icon and no script
and no frame (:data:`entrypoints.http.envelope.PAGE`). It has no ``form-action``, unlike
the console's: its form answers with a redirect to the provider. The nonce goes into the
page's ``SameSite=Strict`` cookie, its proof into the form (``LinkConfirmations``).
"""

from __future__ import annotations

from flask import render_template
from werkzeug.wrappers import Response

from application.social.review_link import LinkReview
from entrypoints.http import flow_cookies
from entrypoints.http.api import current_request
from entrypoints.http.envelope import PAGE

PAGE_DOC = {
    "description": "With `link`: the page asking the person to confirm (HTML, `no-store`)",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


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
