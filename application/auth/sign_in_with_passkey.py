"""``POST /auth/passkey/verify``: sign in with a passkey alone.

The challenge is taken before anything is judged (SECURITY WA-01), and must have been made
for this flow: a registration challenge, a second-step challenge or an expired one is no
sign-in. User verification is required, so the passkey proves possession and the user's
PIN or biometric: already two factors, and a user with an authenticator app gets tokens
directly, ``amr: ["passkey"]``, on a verified device session (MF-02, WA-03). Every refusal
of the ceremony is the same 401 ``invalid_credentials``; account states (disabled, locked,
unverified) are told only after a valid assertion, as after a correct password (EN-03).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.client import ClientContext
from application.common.passkey_assertions import Judgement, PasskeyAssertions
from application.common.passkey_challenges import Flow, PasskeyChallenges
from application.common.refusals import check_may_sign_in
from application.common.sign_in import SignInGate
from application.ports.persistence import UnitOfWork
from application.ports.security import Digester
from application.ports.system import Clock
from application.ports.webauthn import CredentialJson
from application.results import TokenPair
from domain.errors import InvalidCredentialsError
from domain.sessions import AuthMethod


@dataclass(frozen=True, slots=True)
class SignInWithPasskeyCommand:
    login_token: str
    credential: CredentialJson
    client: ClientContext


class SignInWithPasskey:
    def __init__(
        self,
        uow: UnitOfWork,
        challenges: PasskeyChallenges,
        assertions: PasskeyAssertions,
        digester: Digester,
        gate: SignInGate,
        clock: Clock,
        require_verified_email: bool,
    ) -> None:
        self._uow = uow
        self._challenges = challenges
        self._assertions = assertions
        self._digester = digester
        self._gate = gate
        self._clock = clock
        self._require_verified_email = require_verified_email

    def __call__(self, cmd: SignInWithPasskeyCommand) -> TokenPair:
        reference = self._digester.digest(cmd.login_token)
        pending = self._challenges.take_sign_in(reference, Flow.PASSWORDLESS)
        if pending is None:
            raise InvalidCredentialsError()
        now = self._clock.now()
        with self._uow as uow:
            judged = self._assertions.judge(uow, cmd.credential, pending, now)
            if judged.judgement is not Judgement.ACCEPTED or judged.passkey is None:
                raise InvalidCredentialsError()
            user = uow.users.get(judged.passkey.user_id, for_update=True)
            if user is None:
                raise InvalidCredentialsError()
            check_may_sign_in(
                uow, user, require_verified_email=self._require_verified_email, at=now
            )
            pair = self._gate.complete(uow, user, cmd.client, methods=(AuthMethod.PASSKEY,), at=now)
            uow.commit()
        return pair
