"""Second step of a sign-in: a TOTP, SMS or backup code, or a passkey assertion, for a
pending ``login_token``.

Each try is charged before it is judged, on the attempt (five, then it is dead) and on
the account across every attempt (``mfa-failures``, 20 per 15 minutes; a new
``login_token`` or a resent SMS never resets it; parallel guesses cannot outrun it), and
durably: after 100 consecutive wrong codes the account is locked (403 ``account_locked``)
until a password reset. The code is judged inside the
transaction that opens the session, so a TOTP step or a backup code is spent only by the
sign-in that succeeds; finishing takes the attempt atomically, so one token opens at most
one session. A passkey answers the challenge ``POST /auth/passkey/options {login_token}``
bound to this sign-in (taken before it is judged, WA-01); a refused assertion counts as a
wrong code, a counter regression as a replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.common.client import ClientContext
from application.common.factor_checks import FactorChecks, Verdict
from application.common.login_attempts import LoginAttempts, PendingLogin
from application.common.passkey_assertions import Judgement, PasskeyAssertions
from application.common.passkey_challenges import Flow, PasskeyChallenges, PendingCeremony
from application.common.sign_in import SignInGate
from application.common.throttle import Rule, Throttle
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.ports.webauthn import CredentialJson
from application.results import TokenPair
from domain.errors import (
    InvalidSecondFactorError,
    LoginAttemptExpiredError,
    MfaMethodUnavailableError,
)
from domain.events import EventDraft, EventType
from domain.factors import LoginMethod
from domain.users import User


@dataclass(frozen=True, slots=True)
class CompleteMfaLoginCommand:
    login_token: str
    method: str
    code: str
    client: ClientContext
    credential: CredentialJson | None = None
    """The passkey assertion (``method: passkey``) instead of a code."""


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
        challenges: PasskeyChallenges,
        assertions: PasskeyAssertions,
    ) -> None:
        self._uow = uow
        self._attempts = attempts
        self._checks = checks
        self._challenges = challenges
        self._assertions = assertions
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
        ceremony = None
        if method is LoginMethod.PASSKEY:
            ceremony = self._challenges.take_sign_in(pending.reference, Flow.SECOND_FACTOR)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(pending.user_id, for_update=True)
            if user is None:
                raise LoginAttemptExpiredError()
            user.check_may_sign_in(self._require_verified_email)  # locked: nothing is judged
            verdict = self._judge(uow, user, cmd, pending, ceremony, now)
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

    def _judge(
        self,
        uow: UnitOfWork,
        user: User,
        cmd: CompleteMfaLoginCommand,
        pending: PendingLogin,
        ceremony: PendingCeremony | None,
        at: datetime,
    ) -> Verdict:
        method = LoginMethod(cmd.method)
        if method is not LoginMethod.PASSKEY:
            return self._checks.judge(uow, user, method, cmd.code, at, pending.reference)
        if ceremony is None or ceremony.user_id != user.id or cmd.credential is None:
            return Verdict.WRONG
        judged = self._assertions.judge(uow, cmd.credential, ceremony, at)
        return {
            Judgement.ACCEPTED: Verdict.ACCEPTED,
            Judgement.REGRESSED: Verdict.REPLAY,
            Judgement.REFUSED: Verdict.WRONG,
        }[judged.judgement]

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
