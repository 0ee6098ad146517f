"""The console's cookies, their flags, and the writes a request leaves for its answer.

Every cookie is ``HttpOnly`` (no script reads it), ``SameSite=Lax`` (no cross-site form
post carries it) and scoped to ``Path=/account``, so the JSON API, which reads bearer
tokens only, never receives one. ``Secure`` is left off only in development for a
plain-http loopback public URL (``./scripts/serve``), where a browser would otherwise be
asked to keep secure cookies over http.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Response, g

from entrypoints.settings import Environment, Settings

PATH = "/account"
ACCESS = "bastion_access"
"""The access token of the browser's device session."""
REFRESH = "bastion_refresh"
"""Its refresh token, rotated whenever the access token has expired."""
LOGIN = "bastion_login"
"""A pending two-step sign-in: the methods on offer and the ``login_token``."""
PASSKEY = "bastion_passkey"
"""The ``login_token`` naming a pending passkey sign-in ceremony."""
SOCIAL = "bastion_social"
"""Random, while a provider sign-in started here is under way: the callback's ``flow``
must match it, so a code cannot be planted in another browser (login CSRF)."""
ANONYMOUS = "bastion_csrf"
"""Random, before sign-in: what the CSRF token is bound to until there is a session."""
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    secure: bool

    @classmethod
    def of(cls, settings: Settings) -> CookiePolicy:
        public = urlsplit(settings.public_url)
        plain_local = public.scheme == "http" and (public.hostname or "") in _LOOPBACK
        return cls(secure=not (plain_local and settings.env is Environment.DEVELOPMENT))

    def write(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=PATH,
            secure=self.secure,
            httponly=True,
            samesite="Lax",
        )

    def clear(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path=PATH, secure=self.secure, httponly=True, samesite="Lax")


@dataclass(slots=True)
class PendingCookies:
    """Cookie writes decided while a request is handled (a rotated token, a sign-in, a
    sign-out), applied to whatever answer the request ends with, an error page included."""

    policy: CookiePolicy
    _writes: dict[str, Callable[[Response], None]] = field(default_factory=dict)

    def write(self, name: str, value: str, max_age: int | None = None) -> None:
        self._writes[name] = lambda response: self.policy.write(response, name, value, max_age)

    def clear(self, name: str) -> None:
        self._writes[name] = lambda response: self.policy.clear(response, name)

    def apply(self, response: Response) -> None:
        for write in self._writes.values():
            write(response)


def pending() -> PendingCookies:
    """This request's pending writes (the blueprint's hook makes them first)."""
    found: PendingCookies = g.console_cookies
    return found
