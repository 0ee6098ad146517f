"""Second step of a sign-in: a TOTP, SMS or backup code for a pending ``login_token``.

Each try is counted on the attempt (five, then it is dead) and on the account across
every attempt (``mfa-failures``; a new ``login_token`` or a resent SMS never resets it).
The code is judged inside the transaction that opens the session, so a TOTP step or a
backup code is spent only by the sign-in that succeeds; finishing takes the attempt
atomically, so one token opens at most one session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.common.client import ClientContext
from application.common.codes import OneTimeCodes
from application.common.factor_checks import FactorChecks, Verdict
from application.common.login_attempts import LoginAttempts, PendingLogin
from application.common.messages import rfc3339
from application.common.sign_in import SignInGate
from application.common.throttle import Rule, Throttle
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import TokenPair
from domain.errors import (
    InvalidCodeError,
    InvalidSecondFactorError,
    LoginAttemptExpiredError,
    MfaMethodUnavailableError,
    RateLimitedError,
)
from domain.events import EventDraft, EventType
from domain.factors import FactorKind, LoginMethod
from domain.users import User


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
        sms_codes: OneTimeCodes,
        throttle: Throttle,
        gate: SignInGate,
        notifier: Notifier,
        clock: Clock,
        require_verified_email: bool,
    ) -> None:
        self._uow = uow
        self._attempts = attempts
        self._checks = checks
        self._sms_codes = sms_codes
        self._throttle = throttle
        self._gate = gate
        self._notifier = notifier
        self._clock = clock
        self._require_verified_email = require_verified_email

    def __call__(self, cmd: CompleteMfaLoginCommand) -> TokenPair:
        pending = self._attempts.get(cmd.login_token)
        method = LoginMethod(cmd.method)
        if method not in pending.methods:
            raise MfaMethodUnavailableError()
        account = str(pending.user_id)
        self._throttle.check(Rule.MFA_FAILURES, cmd.client.ip, account)
        self._attempts.charge(pending)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(pending.user_id, for_update=True)
            if user is None:
                raise LoginAttemptExpiredError()
            verdict = self._judge(uow, user, pending, method, cmd.code, now)
            if verdict is Verdict.ACCEPTED:
                user.check_may_sign_in(self._require_verified_email)
                self._attempts.finish(pending)
                pair = self._gate.complete(
                    uow, user, cmd.client, methods=(*pending.first_step, method.amr), at=now
                )
                if method is LoginMethod.BACKUP_CODE:
                    self._note_backup_code_used(uow, user, now)
                uow.commit()
                return pair
        self._record_failure(pending, method, verdict, now)
        self._throttle.spend(Rule.MFA_FAILURES, cmd.client.ip, account)
        raise InvalidSecondFactorError()

    def _judge(
        self,
        uow: UnitOfWork,
        user: User,
        pending: PendingLogin,
        method: LoginMethod,
        code: str,
        at: datetime,
    ) -> Verdict:
        if method is LoginMethod.TOTP:
            return self._checks.totp(uow, user, code, at)
        if method is LoginMethod.BACKUP_CODE:
            return self._checks.backup(uow, user, code, at)
        factor = uow.factors.get(user.id, FactorKind.SMS)
        if factor is None or factor.phone is None:
            return Verdict.WRONG
        try:
            self._sms_codes.consume(pending.reference, factor.phone.value, code.strip())
        except (InvalidCodeError, RateLimitedError):
            return Verdict.WRONG
        return Verdict.ACCEPTED

    def _note_backup_code_used(self, uow: UnitOfWork, user: User, at: datetime) -> None:
        left = uow.backup_codes.count_unused(user.id)
        uow.events.add(
            EventDraft(
                type=EventType.MFA_BACKUP_CODE_USED,
                user_id=user.id,
                at=at,
                metadata={"codes_left": left},
            )
        )
        notice = Notice(
            NoticeKind.BACKUP_CODE_USED,
            user.email.value,
            {"first_name": user.first_name.value, "codes_left": str(left), "at": rfc3339(at)},
        )
        uow.after_commit(lambda: self._notifier.send(notice))

    def _record_failure(
        self, pending: PendingLogin, method: LoginMethod, verdict: Verdict, at: datetime
    ) -> None:
        with self._uow as uow:
            uow.events.add(
                EventDraft(
                    type=EventType.LOGIN_MFA_FAILED,
                    user_id=pending.user_id,
                    at=at,
                    metadata={"method": method.value, "reason": verdict.value},
                )
            )
            uow.commit()
