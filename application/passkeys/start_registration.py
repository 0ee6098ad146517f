"""``POST /me/passkeys/options``: creation options for a new passkey.

The user handle is made once per user (64 bytes from the secret generator, never the email
or the id) and is the same for all of a user's passkeys, so an authenticator keeps one
passkey per account and the discoverable sign-in finds the account from it (WA-06).
``excludeCredentials`` lists the user's passkeys, so an authenticator holding one already
says so instead of making a second. The challenge waits at
``passkey_registration:{userId}`` for 5 minutes; asking again replaces it.
"""

from __future__ import annotations

from application.common.passkey_challenges import PasskeyChallenges
from application.ports.persistence import UnitOfWork
from application.ports.security import SecretGenerator
from application.ports.webauthn import OptionsJson, PasskeyCeremonies
from domain.errors import NotFoundError, TooManyPasskeysError
from domain.ids import UserId
from domain.passkeys import CHALLENGE_BYTES, MAX_PASSKEYS_PER_USER, USER_HANDLE_BYTES, Descriptor


class StartPasskeyRegistration:
    def __init__(
        self,
        uow: UnitOfWork,
        challenges: PasskeyChallenges,
        ceremonies: PasskeyCeremonies,
        secrets: SecretGenerator,
    ) -> None:
        self._uow = uow
        self._challenges = challenges
        self._ceremonies = ceremonies
        self._secrets = secrets

    def __call__(self, user_id: UserId) -> OptionsJson:
        with self._uow as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise NotFoundError()
            passkeys = uow.passkeys.list_for_user(user.id)
            if len(passkeys) >= MAX_PASSKEYS_PER_USER:
                raise TooManyPasskeysError()
            candidate = self._secrets.random_bytes(USER_HANDLE_BYTES)
            handle = uow.passkeys.ensure_handle(user.id, candidate)
            uow.commit()
        challenge = self._secrets.random_bytes(CHALLENGE_BYTES)
        self._challenges.start_registration(user.id, challenge, self._ceremonies.rp_id)
        display = user.display_name or f"{user.first_name} {user.last_name}"
        return self._ceremonies.creation_options(
            challenge=challenge,
            user_handle=handle,
            user_name=user.email.value,
            display_name=str(display),
            exclude=[Descriptor.of(passkey) for passkey in passkeys],
        )
