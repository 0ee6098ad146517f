"""A refusal as a page a person can act on: the status the API would answer, a title, one
sentence (:mod:`entrypoints.web.messages`) and, for a limit or an outage, ``Retry-After``.

The console answers every refusal so (``console/problem.html``); the API's page that asks
to confirm a provider link answers its own refusals and its form's the same way, with a
template that needs no console context and loads no script
(:mod:`entrypoints.http.link_page`). Nothing of the request reaches the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response
from werkzeug.exceptions import HTTPException

from domain.errors import DomainError, RateLimitedError, UnavailableError
from entrypoints.http.problems import STATUS_BY_KIND
from entrypoints.web.messages import Wording, describe
from entrypoints.web.pages import render


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    title: str
    sentence: str
    retry_after: int | None = None


def refusal(error: Exception, *, wording: Wording | None = None) -> Refusal:
    """What the page says about ``error``; an unexpected one is a 500 that says nothing
    of the failure. ``wording``: on the API's pages for a person who came from an app."""
    if isinstance(error, DomainError):
        return _refused(error, wording)
    if isinstance(error, HTTPException):
        status = error.code or 500
        title, sentence = _BY_STATUS.get(status, ("That didn't work", _RETRY))
        return Refusal(status, title, sentence)
    return Refusal(500, "Something went wrong", _OUR_SIDE)


def page(template: str, refused: Refusal) -> Response:
    """``console/<template>`` with ``title`` and ``problem``, at the refusal's status."""
    response = render(
        template, status=refused.status, title=refused.title, problem=refused.sentence
    )
    if refused.retry_after:
        response.headers["Retry-After"] = str(refused.retry_after)
    return response


def _refused(error: DomainError, wording: Wording | None) -> Refusal:
    title = _TITLES.get(error.kind.value, "That didn't work")
    if wording is not None:
        title = wording.titles.get(error.code, title)
    wait = error.retry_after if isinstance(error, RateLimitedError | UnavailableError) else None
    sentence = describe(error, wording=wording)
    return Refusal(STATUS_BY_KIND[error.kind], title, sentence, wait)


_NOT_FOUND = "There is no page at this address. It may have moved, or the link may be cut short."
_TOO_LARGE = "What you sent is larger than this page accepts. Choose a smaller file."
_RETRY = "The page could not handle that request. Go back and try again."
_OUR_SIDE = "Something went wrong on our side. Please try again in a moment."
_BY_STATUS = {404: ("Page not found", _NOT_FOUND), 413: ("Too large", _TOO_LARGE)}
_TITLES = {
    "rate_limited": "Please slow down",
    "unavailable": "Bastion is busy",
    "forbidden": "Not allowed",
    "not_found": "Not found",
    "unauthorized": "Not signed in",
}
