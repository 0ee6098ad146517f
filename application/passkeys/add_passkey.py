"""``POST /me/passkeys``: store the passkey a registration made.

The pending challenge is taken first (single use, WA-01); the credential must answer it
from a configured origin, on this RP, with the user present, an offered algorithm and
consistent backup flags (WA-02, WA-05). Anything else is 422 ``invalid_credential`` and
nothing is stored. A credential id registered to anyone already is 409
``passkey_exists``. The passkey is recorded as ``passkey.added`` (its device type and
backup state, no key material) and the user is mailed after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from application.common.messages import rfc3339
from application.common.passkey_challenges import PasskeyChallenges
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.ports.webauthn import (
    CeremonyRejectedError,
    CredentialJson,
    NewCredential,
    PasskeyCeremonies,
)
from application.results import PasskeyView
from domain.errors import (
    InvalidPasskeyCredentialError,
    NotFoundError,
    PasskeyExistsError,
    TooManyPasskeysError,
)
from domain.ids import UserId
from domain.passkeys import MAX_PASSKEYS_PER_USER, Passkey, passkey_name

log = logging.getLogger("bastion.passkeys")


@dataclass(frozen=True, slots=True)
class AddPasskeyCommand:
    user_id: UserId
    credential: CredentialJson
    name: str


class AddPasskey:
    def __init__(
        self,
        uow: UnitOfWork,
        challenges: PasskeyChallenges,
        ceremonies: PasskeyCeremonies,
        notifier: Notifier,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._challenges = challenges
        self._ceremonies = ceremonies
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: AddPasskeyCommand) -> PasskeyView:
        name = passkey_name(cmd.name)
        new = self._verified(cmd)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            if uow.passkeys.get(new.id) is not None:
                raise PasskeyExistsError()
            if uow.passkeys.count_for_user(user.id) >= MAX_PASSKEYS_PER_USER:
                raise TooManyPasskeysError()
            passkey = Passkey(
                id=new.id,
                user_id=user.id,
                name=name,
                public_key=new.public_key,
                counter=new.counter,
                device_type=new.device_type,
                backed_up=new.backed_up,
                transports=new.transports,
                created_at=now,
            )
            uow.passkeys.add(passkey)
            uow.events.add(passkey.added_event())
            params = {"first_name": user.first_name.value, "name": name, "at": rfc3339(now)}
            notice = Notice(NoticeKind.PASSKEY_ADDED, user.email.value, params)
            uow.after_commit(lambda: self._notifier.send(notice))
            uow.commit()
        return PasskeyView.of(passkey)

    def _verified(self, cmd: AddPasskeyCommand) -> NewCredential:
        pending = self._challenges.take_registration(cmd.user_id)
        if pending is None or pending.rp_id != self._ceremonies.rp_id:
            log.info("passkey registration refused: no pending challenge")
            raise InvalidPasskeyCredentialError()
        try:
            return self._ceremonies.verify_registration(cmd.credential, challenge=pending.challenge)
        except CeremonyRejectedError as refusal:
            log.info("passkey registration refused: %s", refusal.reason)
            raise InvalidPasskeyCredentialError() from None
