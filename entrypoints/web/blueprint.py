"""The console's blueprint and what every request to it goes through.

Before a view: the browser session is resolved (:mod:`entrypoints.web.session`), and a
state-changing request must carry the CSRF token (:mod:`entrypoints.web.csrf`). After it:
the cookie writes the request decided are applied, and pages are ``no-store`` (they show
personal data). Any refusal becomes a page a person can act on, never problem+json.
Static assets skip all of it. The security headers, the Content-Security-Policy among
them, come from the same WSGI envelope as the API's (:mod:`entrypoints.http.envelope`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, g, redirect, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, NotFound

from domain.errors import DomainError, RateLimitedError
from domain.profile import AVATAR_MAX_BYTES
from entrypoints.http.api import container, current_request
from entrypoints.http.envelope import PRINCIPAL
from entrypoints.http.routes.avatars import MULTIPART_OVERHEAD
from entrypoints.metrics import count_rate_limited
from entrypoints.web import cookies, csrf, layout, refusals, session
from entrypoints.web.pages import render

log = logging.getLogger("bastion.console")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_STATIC = "console.static"
_UPLOADS = {"console.change_picture": AVATAR_MAX_BYTES + MULTIPART_OVERHEAD}
"""Routes that take a file, with their body limit above the app's 1 MiB: raised before
the CSRF check reads the form."""

console = Blueprint(
    "console",
    __name__,
    url_prefix="/account",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
console.context_processor(layout.context)


@console.before_request
def _admit() -> None:
    request = current_request()
    if request.endpoint == _STATIC:
        return
    limit = _UPLOADS.get(request.endpoint or "")
    if limit is not None:
        request.max_content_length = limit
    services = container()
    g.console_cookies = cookies.PendingCookies(cookies.CookiePolicy.of(services.settings()))
    g.console_visitor = None
    g.console_visitor = session.resolve(services)
    if g.console_visitor is not None:
        request.environ[PRINCIPAL] = g.console_visitor  # for the access log, as the API's
    csrf.prepare(services, g.console_visitor)
    if request.method not in _SAFE_METHODS:
        csrf.check(services, g.console_visitor)


@console.after_request
def _finish(response: Response) -> Response:
    if current_request().endpoint == _STATIC:
        return response
    jar: cookies.PendingCookies | None = g.get("console_cookies")
    if jar is not None:
        jar.apply(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@console.route("/<path:unknown>", methods=["GET", "POST"])
def not_found(unknown: str) -> ResponseReturnValue:
    """Every other path under ``/account``: the console's own not-found page."""
    raise NotFound()


@console.errorhandler(csrf.CsrfRefusedError)
def _csrf_refused(error: csrf.CsrfRefusedError) -> ResponseReturnValue:
    """Refused either way; when the session behind the form has just ended, the person
    is told that and sent to sign in again."""
    log.warning("console form refused: no valid CSRF token")
    if session.signed_out_now():
        return redirect(url_for("console.sign_in", done="session_ended"), 303)
    return render("problem.html", status=403, title="This form has expired", problem=_EXPIRED)


@console.errorhandler(session.SessionRacingError)
def _racing(error: session.SessionRacingError) -> ResponseReturnValue:
    """307 keeps the method and the body: the same request, with the new cookies."""
    return redirect(current_request().full_path.rstrip("?"), 307)


@console.errorhandler(DomainError)
def _refused(error: DomainError) -> ResponseReturnValue:
    if isinstance(error, RateLimitedError):
        count_rate_limited(error.bucket)
    return refusals.page("problem.html", refusals.refusal(error))


@console.errorhandler(HTTPException)
def _http(error: HTTPException) -> ResponseReturnValue:
    return refusals.page("problem.html", refusals.refusal(error))


@console.errorhandler(Exception)
def _unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unhandled error", exc_info=error)
    return refusals.page("problem.html", refusals.refusal(error))


_EXPIRED = (
    "For your safety this form can only be sent from the page that showed it, and that page"
    " is out of date (perhaps you signed in or out in another tab). Go back, reload the page"
    " and try again. If it keeps happening, allow cookies for this site."
)
