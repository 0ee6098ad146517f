"""Sign in with email and password.

An unknown email and a wrong password give the same 401 after the same work: the hasher
checks a dummy hash when there is no user (SECURITY EN-01). Disabled, locked and
unverified accounts are told so only after a correct password (EN-03). A user with a second
factor gets an ``MfaChallenge`` instead of tokens (the shared ``SignInGate``). Failures slow
the source down on that account only, so an attacker cannot lock the owner out (RL-02).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.client import ClientContext
from application.common.refusals import record_on_its_own
from application.common.sign_in import SignInGate
from application.common.throttle import Rule, Throttle
from application.ports.persistence import UnitOfWork
from application.ports.security import Digester, PasswordHasher
from application.ports.system import Clock
from application.results import MfaChallenge, TokenPair
from domain.errors import DomainError, InvalidCredentialsError
from domain.events import EventDraft, EventType
from domain.sessions import AuthMethod
from domain.users import User
from domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class LogInCommand:
    email: str
    password: str
    client: ClientContext


class LogIn:
    def __init__(
        self,
        uow: UnitOfWork,
        reads: UnitOfWork,
        hasher: PasswordHasher,
        throttle: Throttle,
        digester: Digester,
        gate: SignInGate,
        clock: Clock,
        require_verified_email: bool,
    ) -> None:
        self._uow = uow
        self._reads = reads
        """For the lookup before the password check, one statement outside a transaction."""
        self._hasher = hasher
        self._throttle = throttle
        self._digester = digester
        self._gate = gate
        self._clock = clock
        self._require_verified_email = require_verified_email

    def __call__(self, cmd: LogInCommand) -> TokenPair | MfaChallenge:
        email = EmailAddress.parse(cmd.email)
        account = self._digester.keyed(email.value, "login-throttle")
        self._throttle.check(Rule.LOGIN_FAILURES, cmd.client.ip, account)
        with self._reads as reads:
            user = reads.users.get_by_email(email)
        matched = self._hasher.verify(cmd.password, user.password if user else None)
        if user is None or not matched:
            self._throttle.spend(Rule.LOGIN_FAILURES, cmd.client.ip, account)
            self._record_failure(user)
            raise InvalidCredentialsError()
        try:
            user.check_may_sign_in(self._require_verified_email)
        except DomainError as refusal:
            self._record_refusal(user, refusal.code)
            raise
        self._throttle.forgive(Rule.LOGIN_FAILURES, cmd.client.ip, account)
        return self._sign_in(user, cmd)

    def _sign_in(self, known: User, cmd: LogInCommand) -> TokenPair | MfaChallenge:
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(known.id, for_update=True)
            if user is None:  # deleted since the password check
                raise InvalidCredentialsError()
            user.check_may_sign_in(self._require_verified_email)  # disabled meanwhile?
            failures = user.failed_login_count
            if user.password is not None and self._hasher.needs_rehash(user.password):
                user.rehash_password(self._hasher.hash(cmd.password), now)
            user.record_password_accepted(now)
            uow.users.save(user)
            outcome = self._gate.after_first_step(
                uow,
                user,
                cmd.client,
                first_step=(AuthMethod.PASSWORD,),
                at=now,
                recent_failures=failures,
            )
            uow.commit()
        return outcome

    def _record_refusal(self, user: User, reason: str) -> None:
        """The password was right but the account may not sign in (LO-01)."""
        draft = EventDraft(
            type=EventType.LOGIN_FAILED,
            user_id=user.id,
            at=self._clock.now(),
            metadata={"reason": reason},
        )
        record_on_its_own(self._uow, draft)

    def _record_failure(self, known: User | None) -> None:
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(known.id, for_update=True) if known else None
            metadata: dict[str, str | int] = {"reason": "unknown_email"}
            if user is not None:
                user.record_failed_login(now)
                uow.users.save(user)
                metadata = {"reason": "wrong_password", "failed_count": user.failed_login_count}
            uow.events.add(
                EventDraft(
                    type=EventType.LOGIN_FAILED,
                    user_id=user.id if user else None,
                    at=now,
                    metadata=metadata,
                )
            )
            uow.commit()
