"""The one gate every path that yields tokens goes through (SECURITY MF-02, MF-03).

Password sign-in calls ``after_first_step``: a user with a second factor (a passkey counts)
gets an ``MfaChallenge`` and no session; the device session and the tokens are created
only by ``complete``, after the last required step. A passwordless passkey sign-in, with
user verification, is already multi-factor and calls ``complete`` directly.
"""

from __future__ import annotations

from datetime import datetime

from application.common.client import ClientContext
from application.common.issuing import SessionIssuer
from application.common.login_attempts import LOGIN_ATTEMPT_TTL, LoginAttempts
from application.ports.persistence import UnitOfWork
from application.results import MfaChallenge, TokenPair
from domain.events import EventDraft, EventType
from domain.factors import login_methods
from domain.sessions import AuthMethod
from domain.users import User


class SignInGate:
    def __init__(self, attempts: LoginAttempts, issuer: SessionIssuer) -> None:
        self._attempts = attempts
        self._issuer = issuer

    def after_first_step(
        self,
        uow: UnitOfWork,
        user: User,
        client: ClientContext,
        *,
        first_step: tuple[AuthMethod, ...],
        at: datetime,
        recent_failures: int = 0,
    ) -> TokenPair | MfaChallenge:
        """Inside the caller's transaction; the caller commits."""
        methods = login_methods(
            uow.factors.list_for_user(user.id),
            uow.backup_codes.count_unused(user.id),
            uow.passkeys.count_for_user(user.id),
        )
        if not methods:
            return self.complete(
                uow, user, client, methods=first_step, at=at, recent_failures=recent_failures
            )
        token = self._attempts.start(user.id, methods, first_step, recent_failures)
        names = tuple(method.value for method in methods)
        uow.events.add(
            EventDraft(
                type=EventType.LOGIN_MFA_CHALLENGED,
                user_id=user.id,
                at=at,
                metadata={"methods": ",".join(names)},
            )
        )
        return MfaChallenge(login_token=token, methods=names, expires_in=LOGIN_ATTEMPT_TTL)

    def complete(
        self,
        uow: UnitOfWork,
        user: User,
        client: ClientContext,
        *,
        methods: tuple[AuthMethod, ...],
        at: datetime,
        recent_failures: int = 0,
    ) -> TokenPair:
        user.record_login(at)
        uow.users.save(user)
        pair = self._issuer.open(
            uow, user, client, methods=methods, at=at, recent_failures=recent_failures
        )
        uow.events.add(
            EventDraft(
                type=EventType.LOGIN_SUCCEEDED,
                user_id=user.id,
                session_id=pair.session_id,
                at=at,
                metadata={"method": "+".join(method.value for method in methods)},
            )
        )
        return pair
