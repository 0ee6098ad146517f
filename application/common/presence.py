"""Proof of presence for a sensitive change, for every kind of account.

An account with a password or a second factor proves it as always (``StepUp``: the
password, or a current authenticator or backup code; SECURITY MF-04). An account with
neither — it signs in only through a provider or a passkey, so there is nothing the
server could check in the request — proves it by the sign-in that opened the calling
session, if that was less than 10 minutes ago: a token stolen later, or refreshed for
days, is not enough.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from application.common.factor_checks import StepUp
from application.ports.persistence import UnitOfWork
from domain.errors import RecentSignInRequiredError
from domain.ids import SessionId
from domain.users import User

RECENT_SIGN_IN = timedelta(minutes=10)


class Presence:
    def __init__(self, step_up: StepUp) -> None:
        self._step_up = step_up

    def prove(
        self,
        uow: UnitOfWork,
        user: User,
        session_id: SessionId | None,
        password: str | None,
        code: str | None,
        at: datetime,
        *,
        action: str,
    ) -> str:
        """How the user proved it (``password``, ``totp``, ``backup_code`` or
        ``recent_sign_in``), or raise as ``StepUp`` does; ``RecentSignInRequiredError``
        when an account with nothing to check signed in too long ago."""
        checkable = user.password is not None or uow.factors.list_for_user(user.id)
        if checkable or password or code:
            return self._step_up.prove(uow, user, password, code, at, action=action)
        session = uow.sessions.get(session_id) if session_id is not None else None
        if (
            session is None
            or session.user_id != user.id
            or at - session.created_at > RECENT_SIGN_IN
        ):
            raise RecentSignInRequiredError()
        return "recent_sign_in"
