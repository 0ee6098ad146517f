"""The browser's session: the device session of a sign-in, held in two cookies.

``bastion_access`` carries the access token and ``bastion_refresh`` the refresh token
(:mod:`entrypoints.web.cookies`). Every request checks the access token with the API's own
``Authenticate``, so a signed-out device, a password change, an administrator's action or
a deletion refuses the browser on its next request. When the access token has expired
the refresh token is traded with the API's own ``RefreshSession``: rotation, the grace
window and reuse detection apply exactly as for any API client, and a refresh cookie
replayed after its rotation ends the session. No token ever reaches a page, a script or
a URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g

from application.auth.refresh_session import RefreshSessionCommand
from application.common.throttle import Rule
from application.results import Principal, TokenPair
from application.sessions.authenticate import AuthenticateCommand
from domain.errors import (
    InvalidRefreshTokenError,
    InvalidTokenError,
    TokenReusedError,
    TokenRotatedError,
)
from entrypoints.http.api import client_ip, current_request
from entrypoints.web import cookies

if TYPE_CHECKING:
    from entrypoints.container import Container

_MAX_TOKEN_LENGTH = 4096


class SessionRacingError(Exception):
    """Another request of this browser rotated the refresh token a moment ago: this one
    is sent again, and then carries the new cookies (two tabs opened at once)."""


def visitor() -> Principal | None:
    """The signed-in person of this request, or None."""
    found: Principal | None = g.console_visitor
    return found


def signed_out_now() -> bool:
    """Whether this request found a session that had ended (revoked, expired, reused)."""
    return bool(g.get("console_signed_out"))


def resolve(services: Container) -> Principal | None:
    """Who the cookies prove the browser is: the access token when it is still good,
    else a rotated pair from the refresh token; None (and the cookies cleared) when the
    session has ended. Raises :class:`SessionRacingError` for a refresh that lost a race."""
    jar = current_request().cookies
    access = jar.get(cookies.ACCESS, "")[:_MAX_TOKEN_LENGTH]
    refresh = jar.get(cookies.REFRESH, "")[:_MAX_TOKEN_LENGTH]
    if access:
        try:
            return _authenticate(services, access)
        except InvalidTokenError:
            pass  # expired or revoked: the refresh token tells which
    if not refresh:
        if access:
            end()
        return None
    services.throttle().charge(Rule.REFRESH, client_ip())
    try:
        pair = services.refresh_session()(RefreshSessionCommand(refresh))
    except TokenRotatedError:
        raise SessionRacingError() from None
    except (InvalidRefreshTokenError, TokenReusedError):
        end()
        g.console_signed_out = True
        return None
    begin(services, pair)
    return _authenticate(services, pair.access_token)


def begin(services: Container, pair: TokenPair) -> None:
    """Hold a new device session's tokens (a sign-in, or a rotation)."""
    settings = services.settings()
    jar = cookies.pending()
    jar.write(cookies.ACCESS, pair.access_token, pair.expires_in)
    jar.write(cookies.REFRESH, pair.refresh_token, settings.refresh_token_ttl)
    jar.clear(cookies.LOGIN)
    jar.clear(cookies.PASSKEY)


def end() -> None:
    """Forget the tokens (the session itself is ended by the use case that says so)."""
    jar = cookies.pending()
    jar.clear(cookies.ACCESS)
    jar.clear(cookies.REFRESH)


def _authenticate(services: Container, access_token: str) -> Principal:
    command = AuthenticateCommand(access_token, with_profile=True)
    return services.authenticate()(command)
