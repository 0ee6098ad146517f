"""The pending two-step sign-in, between the password and the second step.

The ``bastion_login`` cookie holds the methods on offer and the ``login_token``
(``totp,backup_code:<token>``), for as long as the attempt lives. The token is a bearer
secret for those minutes, so it stays in an ``HttpOnly`` cookie, never in a page or a URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.results import MfaChallenge
from entrypoints.http.api import current_request
from entrypoints.web import cookies

_MAX_LENGTH = 1024
_KNOWN = ("passkey", "totp", "sms", "backup_code")


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    methods: tuple[str, ...]
    """In the order the page offers them."""
    login_token: str


def remember(challenge: MfaChallenge) -> None:
    value = f"{','.join(challenge.methods)}:{challenge.login_token}"
    cookies.pending().write(cookies.LOGIN, value, challenge.expires_in)


def pending() -> PendingSignIn | None:
    value = current_request().cookies.get(cookies.LOGIN, "")
    methods, _, token = value[:_MAX_LENGTH].partition(":")
    offered = tuple(method for method in _KNOWN if method in methods.split(","))
    if not token or not offered:
        return None
    return PendingSignIn(offered, token)


def forget() -> None:
    cookies.pending().clear(cookies.LOGIN)
