"""``@authenticated``: the bearer token must be a valid JWT on a live session.
``@admin_only`` (under it): and its ``role`` claim must be ``admin``.

The token is read only from the ``Authorization`` header, never from a query string
(RFC 6750 §2.3). The proven principal is kept in the WSGI environ, for the view and the
access log. The request hook proves it before anything else runs (:func:`guard_of`), so
the API-wide limit is spent in the session read's round trip; the view's wrapper proves it
only when nothing has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from flask import request

from application.results import Principal
from application.sessions.authenticate import AuthenticateCommand
from domain.errors import ForbiddenError, InvalidTokenError
from domain.users import Role, UserProfile
from entrypoints.http.api import container, current_request, remote_address
from entrypoints.http.envelope import PRINCIPAL

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from entrypoints.container import Container

log = logging.getLogger("bastion.http")
P = ParamSpec("P")
R = TypeVar("R")
_MAX_TOKEN_LENGTH = 4096
_GUARD = "bastion_guard"


@dataclass(frozen=True, slots=True)
class Guard:
    """What a guarded view needs proven; kept on the view function (``functools.wraps``
    carries it out through the decorators above)."""

    with_profile: bool


def bearer_token(environ: WSGIEnvironment) -> str:
    """The ``Authorization`` header, read from the environ as ``request.headers`` would;
    empty (proving no one) when it is not a bearer token of a sane length."""
    header: str = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or len(token) > _MAX_TOKEN_LENGTH:
        return ""
    return token


def authenticated(view: Callable[P, R]) -> Callable[P, R]:
    return _guarded(view, Guard(with_profile=False))


def authenticated_with_profile(view: Callable[P, R]) -> Callable[P, R]:
    """``@authenticated``, reading the caller's profile in the same round trip
    (``principal().profile``)."""
    return _guarded(view, Guard(with_profile=True))


def _guarded(view: Callable[P, R], guard: Guard) -> Callable[P, R]:
    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        environ = current_request().environ
        if PRINCIPAL not in environ:
            prove(environ, container(), guard)
        return view(*args, **kwargs)

    setattr(guarded, _GUARD, guard)
    return guarded


def guard_of(view: Callable[..., object] | None) -> Guard | None:
    """What the request hook must prove before ``view`` runs; None for an open route,
    whose caller pays the API-wide limit alone."""
    found = getattr(view, _GUARD, None)
    return found if isinstance(found, Guard) else None


def prove(
    environ: WSGIEnvironment, services: Container, guard: Guard, *, metered: bool = False
) -> Principal:
    """Who the bearer token proves the caller is, kept in the environ for the view and
    the access log; raises ``InvalidTokenError`` when it proves no one. ``metered``: also
    spend the caller's unit of the API-wide limit (``RateLimitedError`` when refused)."""
    command = AuthenticateCommand(
        bearer_token(environ),
        with_profile=guard.with_profile,
        address=remote_address(environ) if metered else None,
    )
    found = services.authenticate()(command)
    environ[PRINCIPAL] = found
    return found


def admin_only(view: Callable[P, R]) -> Callable[P, R]:
    """Refuses a non-administrator before anything else is read, so every admin route
    answers 403 alike, whatever the parameters. The use case checks the stored role
    again: a token minted before a demotion carries a stale claim."""

    @wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        who = principal()
        if who.role != Role.ADMIN.value:
            refused = {"path": request.path, "user_id": str(who.user_id)}
            log.warning("authorization refused", extra=refused)
            raise ForbiddenError("This needs an administrator.")
        return view(*args, **kwargs)

    return guarded


def principal() -> Principal:
    found: Principal = current_request().environ[PRINCIPAL]
    return found


def own_profile() -> UserProfile:
    """The caller's profile, under ``@authenticated_with_profile``."""
    profile = principal().profile
    if profile is None:
        raise InvalidTokenError()  # that guard answers 401 before a view runs without one
    return profile
