"""``POST /auth/passkey/options``: a challenge to sign in with a passkey.

Three ways in. With nothing, the discoverable flow: ``allowCredentials`` is empty and the
browser offers whatever passkeys it holds (conditional UI); the user handle names the
account. With an email, that account's passkeys are listed; an unknown email, or one
without passkeys, gets one or two decoys made from a keyed hash of the email, so the
answer is the same shape, the same on every call, and costs the same (one statement, the
same hashes) whether or not the account exists (SECURITY EN-04). Both ask for user
verification: a passkey alone is the whole sign-in (WA-03). With the ``login_token`` of a
pending two-step sign-in, the options list that user's passkeys for the second step, user
verification preferred, and the challenge is bound to that sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.login_attempts import LoginAttempts
from application.common.passkey_challenges import Flow, PasskeyChallenges
from application.ports.persistence import UnitOfWork
from application.ports.security import Digester, SecretGenerator
from application.ports.webauthn import PasskeyCeremonies, UserVerification
from application.results import PasskeySignInOptions
from domain.errors import MfaMethodUnavailableError
from domain.factors import LoginMethod
from domain.ids import UserId
from domain.passkeys import CHALLENGE_BYTES, Descriptor, decoy_descriptors
from domain.values import EmailAddress

DECOY_PURPOSE = "passkey-decoy"
_DECOY_BLOCKS = 5
"""Keyed hashes of 32 bytes each: enough material for two decoys of up to 64 bytes."""


@dataclass(frozen=True, slots=True)
class StartPasskeySignInCommand:
    email: str | None = None
    login_token: str | None = None


class StartPasskeySignIn:
    def __init__(
        self,
        reads: UnitOfWork,
        attempts: LoginAttempts,
        challenges: PasskeyChallenges,
        ceremonies: PasskeyCeremonies,
        secrets: SecretGenerator,
        digester: Digester,
    ) -> None:
        self._reads = reads
        self._attempts = attempts
        self._challenges = challenges
        self._ceremonies = ceremonies
        self._secrets = secrets
        self._digester = digester

    def __call__(self, cmd: StartPasskeySignInCommand) -> PasskeySignInOptions:
        if cmd.login_token is not None:
            return self._second_step(cmd.login_token)
        if cmd.email is not None:
            return self._for_email(EmailAddress.parse(cmd.email))
        return self._passwordless([], named=False)

    def _for_email(self, email: EmailAddress) -> PasskeySignInOptions:
        decoys = decoy_descriptors(self._decoy_material(email))
        with self._reads as reads:
            passkeys = reads.passkeys.list_for_email(email)
        allow = [Descriptor.of(passkey) for passkey in passkeys] or decoys
        owner = passkeys[0].user_id if passkeys else None
        return self._passwordless(allow, named=True, owner=owner)

    def _passwordless(
        self, allow: list[Descriptor], *, named: bool, owner: UserId | None = None
    ) -> PasskeySignInOptions:
        token = self._secrets.token(32)
        challenge = self._secrets.random_bytes(CHALLENGE_BYTES)
        self._challenges.start_sign_in(
            self._digester.digest(token),
            Flow.PASSWORDLESS,
            challenge,
            self._ceremonies.rp_id,
            user_id=owner,
            named=named,
        )
        options = self._ceremonies.request_options(
            challenge=challenge, allow=allow, user_verification=UserVerification.REQUIRED
        )
        return PasskeySignInOptions(login_token=token, options=options)

    def _second_step(self, token: str) -> PasskeySignInOptions:
        pending = self._attempts.get(token)
        if LoginMethod.PASSKEY not in pending.methods:
            raise MfaMethodUnavailableError()
        with self._reads as reads:
            passkeys = reads.passkeys.list_for_user(pending.user_id)
        challenge = self._secrets.random_bytes(CHALLENGE_BYTES)
        self._challenges.start_sign_in(
            pending.reference,
            Flow.SECOND_FACTOR,
            challenge,
            self._ceremonies.rp_id,
            user_id=pending.user_id,
            named=True,
        )
        options = self._ceremonies.request_options(
            challenge=challenge,
            allow=[Descriptor.of(passkey) for passkey in passkeys],
            user_verification=UserVerification.PREFERRED,
        )
        return PasskeySignInOptions(login_token=token, options=options)

    def _decoy_material(self, email: EmailAddress) -> bytes:
        blocks = (
            self._digester.keyed(email.value, f"{DECOY_PURPOSE}:{n}") for n in range(_DECOY_BLOCKS)
        )
        return b"".join(bytes.fromhex(block) for block in blocks)
