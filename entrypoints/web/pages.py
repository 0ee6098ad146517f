"""What views share: rendering a page, the redirect after a change, and the guards.

``@signed_in`` sends a browser without a live session to the sign-in page (which comes
back here afterwards); ``@admin_only`` (under it) answers a page of its own to anyone
but an administrator. The use cases check the role again, as for the API.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec

from flask import Response, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as Redirect

from application.common.throttle import Rule
from application.results import Principal
from domain.users import Role
from entrypoints.http.api import client_ip, container, current_request
from entrypoints.web.forms import Form
from entrypoints.web.session import signed_out_now, visitor

P = ParamSpec("P")
View = Callable[P, ResponseReturnValue]
_HOME = "/account"


def render(
    template: str, *, failed: Form | None = None, status: int = 200, **context: Any
) -> Response:
    """The page ``console/<template>``; with ``failed``, that form's refusal beside it,
    and its status (422, 401, 429 ...)."""
    body = render_template(f"console/{template}", failed=failed, **context)
    response = make_response(body, failed.status if failed else status)
    if failed is not None and failed.retry_after:
        response.headers["Retry-After"] = str(failed.retry_after)
    return response


def done(endpoint: str, notice: str, **values: Any) -> Redirect:
    """Post/redirect/get: to ``endpoint``'s page, which shows the notice ``notice``."""
    return redirect(url_for(endpoint, done=notice, **values), 303)


def charge(rule: Rule) -> None:
    """The API's limit for the same action, charged before the action is tried, so a
    refused request has no effect (SECURITY RL-01): call it inside the form's block."""
    container().throttle().charge(rule, client_ip())


def who() -> Principal:
    """The signed-in person, under ``@signed_in``."""
    found = visitor()
    if found is None:
        raise LookupError("who() outside @signed_in")
    return found


def signed_in(view: View[P]) -> View[P]:
    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if visitor() is None:
            request = current_request()
            target = request.full_path if request.method == "GET" else _HOME
            notice = "session_ended" if signed_out_now() else None
            return redirect(url_for("console.sign_in", next=safe_next(target), done=notice), 303)
        return view(*args, **kwargs)

    return guarded


def admin_only(view: View[P]) -> View[P]:
    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        if who().role != Role.ADMIN.value:
            return render("forbidden.html", status=403)
        return view(*args, **kwargs)

    return guarded


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of the console, never another site (an open
    redirect would lend the sign-in page to a phishing link)."""
    if not target:
        return _HOME
    target = target.rstrip("?")
    is_console = target == _HOME or target.startswith(f"{_HOME}/") or target.startswith(f"{_HOME}?")
    if not is_console or "\\" in target or "//" in target:
        return _HOME
    return target
