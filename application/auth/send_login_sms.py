"""Send the SMS code for a pending sign-in (``POST /auth/login/sms``).

The code is bound to this ``login_token`` (SECURITY SM-01): a code sent for one sign-in
does not complete another. It goes to the number confirmed for the SMS factor, never to
the profile phone, so changing the profile with a stolen token moves no codes (SM-04).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.client import ClientContext
from application.common.codes import OneTimeCodes
from application.common.login_attempts import LoginAttempts
from application.common.texting import SmsCodes
from application.common.throttle import Rule, Throttle
from application.ports.persistence import UnitOfWork
from domain.errors import MfaMethodUnavailableError
from domain.factors import FactorKind, LoginMethod


@dataclass(frozen=True, slots=True)
class SendLoginSmsCommand:
    login_token: str
    client: ClientContext


class SendLoginSms:
    def __init__(
        self,
        uow: UnitOfWork,
        attempts: LoginAttempts,
        codes: OneTimeCodes,
        sms: SmsCodes,
        throttle: Throttle,
    ) -> None:
        self._uow = uow
        self._attempts = attempts
        self._codes = codes
        self._sms = sms
        self._throttle = throttle

    def __call__(self, cmd: SendLoginSmsCommand) -> None:
        pending = self._attempts.get(cmd.login_token)
        if LoginMethod.SMS not in pending.methods:
            raise MfaMethodUnavailableError()
        self._throttle.check(Rule.MFA_FAILURES, cmd.client.ip, str(pending.user_id))
        with self._uow as uow:
            factor = uow.factors.get(pending.user_id, FactorKind.SMS)
        if factor is None or factor.phone is None:
            raise MfaMethodUnavailableError()
        self._sms.send(
            self._codes,
            subject=pending.reference,
            phone=factor.phone,
            user_id=pending.user_id,
            client=cmd.client,
            purpose="sign-in",
        )
