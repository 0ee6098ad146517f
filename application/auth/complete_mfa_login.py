"""Second step of a sign-in: a TOTP, SMS or backup code for a pending ``login_token``.

Each try is charged before it is judged, on the attempt (five, then it is dead) and on
the account across every attempt (``mfa-failures``, 20 per 15 minutes; a new
``login_token`` or a resent SMS never resets it; parallel guesses cannot outrun it), and
durably: after 100 consecutive wrong codes the account is locked (403 ``account_locked``)
until a password reset. The code is judged inside the
transaction that opens the session, so a TOTP step or a backup code is spent only by the
sign-in that succeeds; finishing takes the attempt atomically, so one token opens at most
one session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.common.client import ClientContext
from application.common.factor_checks import FactorChecks, Verdict
from application.common.login_attempts import LoginAttempts, PendingLogin
from application.common.sign_in import SignInGate
from application.common.throttle import Rule, Throttle
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import TokenPair
from domain.errors import (
    InvalidSecondFactorError,
    LoginAttemptExpiredError,
    MfaMethodUnavailableError,
)
from domain.events import EventDraft, EventType
from domain.factors import LoginMethod


@dataclass(frozen=True, slots=True)
class CompleteMfaLoginCommand:
    login_token: str
    method: str
    code: str
    client: ClientContext


class CompleteMfaLogin:
    def __init__(
        self,
        uow: UnitOfWork,
        attempts: LoginAttempts,
        checks: FactorChecks,
        throttle: Throttle,
        gate: SignInGate,
        clock: Clock,
        require_verified_email: bool,
    ) -> None:
        self._uow = uow
        self._attempts = attempts
        self._checks = checks
        self._throttle = throttle
        self._gate = gate
        self._clock = clock
        self._require_verified_email = require_verified_email

    def __call__(self, cmd: CompleteMfaLoginCommand) -> TokenPair:
        pending = self._attempts.get(cmd.login_token)
        method = LoginMethod(cmd.method)
        if method not in pending.methods:
            raise MfaMethodUnavailableError()
        account = str(pending.user_id)
        self._throttle.charge(Rule.MFA_FAILURES, cmd.client.ip, account)
        self._attempts.charge(pending)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(pending.user_id, for_update=True)
            if user is None:
                raise LoginAttemptExpiredError()
            user.check_may_sign_in(self._require_verified_email)  # locked: nothing is judged
            verdict = self._checks.judge(uow, user, method, cmd.code, now, pending.reference)
            if verdict is Verdict.ACCEPTED:
                self._attempts.finish(pending)
                pair = self._gate.complete(
                    uow,
                    user,
                    cmd.client,
                    methods=(*pending.first_step, method.amr),
                    at=now,
                    recent_failures=pending.recent_failures,
                )
                uow.commit()
                self._throttle.forgive(Rule.MFA_FAILURES, cmd.client.ip, account)
                return pair
        self._record_failure(pending, method, verdict, now)
        raise InvalidSecondFactorError()

    def _record_failure(
        self, pending: PendingLogin, method: LoginMethod, verdict: Verdict, at: datetime
    ) -> None:
        with self._uow as uow:
            user = uow.users.get(pending.user_id, for_update=True)
            if user is not None:
                user.record_failed_second_step(at)
                uow.users.save(user)
            uow.events.add(
                EventDraft(
                    type=EventType.LOGIN_MFA_FAILED,
                    user_id=pending.user_id,
                    at=at,
                    metadata={"method": method.value, "reason": verdict.value},
                )
            )
            uow.commit()
