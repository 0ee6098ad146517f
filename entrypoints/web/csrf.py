"""Cross-site request forgery: every state-changing request to the console carries a
token that only a page of the console can know.

The token is a keyed digest (the ``Digester``, under a purpose of its own) of what the
browser's state is bound to: the device session's id once signed in, or before that a
random ``bastion_csrf`` cookie, so a forged sign-in (logging the victim into the
attacker's account) fails too. A cross-site page can neither read the token nor compute
it, and ``SameSite=Lax`` keeps the cookies off cross-site posts as a second line. Forms
send it as the ``csrf_token`` field; the WebAuthn script as the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g

from entrypoints.http.api import current_request
from entrypoints.web import cookies

if TYPE_CHECKING:
    from application.results import Principal
    from entrypoints.container import Container

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_PURPOSE = "console-csrf"
_MAX_LENGTH = 256


class CsrfRefusedError(Exception):
    """A state-changing request without the right token: refused before any view runs."""


def token() -> str:
    """The token this request's pages embed."""
    found: str = g.console_csrf
    return found


def prepare(services: Container, visitor: Principal | None) -> None:
    """Work out this request's token, making the anonymous binding cookie when a
    visitor without a session has none yet."""
    g.console_csrf = services.digester().keyed(_binding(services, visitor), _PURPOSE)


def check(services: Container, visitor: Principal | None) -> None:
    """Raise :class:`CsrfRefusedError` unless the request carries this browser's token."""
    request = current_request()
    sent = request.headers.get(HEADER) or request.form.get(FIELD, "")
    digester = services.digester()
    if not sent or len(sent) > _MAX_LENGTH or not digester.same(sent, token()):
        raise CsrfRefusedError()


def _binding(services: Container, visitor: Principal | None) -> str:
    if visitor is not None:
        return f"session:{visitor.session_id}"
    anonymous = current_request().cookies.get(cookies.ANONYMOUS, "")[:_MAX_LENGTH]
    if not anonymous:
        anonymous = services.secrets().token(32)
        cookies.pending().write(cookies.ANONYMOUS, anonymous)
    return f"anonymous:{anonymous}"
