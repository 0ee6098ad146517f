"""``GET /me/passkeys``, ``PATCH`` and ``DELETE /me/passkeys/{id}``: the owner's passkeys.

Every read and change names the owner, so another user's passkey (or an id that is no
credential id at all) is 404, never 403 (WA-07). Removing the last way to sign in (no
password, no other passkey; Bastion links no sign-in provider yet) is 409
``last_login_method``. A removal is recorded as ``passkey.removed`` and mailed; an
assertion with the removed passkey then finds nothing and fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.messages import rfc3339
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import PasskeyView
from domain.errors import LastLoginMethodError, NotFoundError
from domain.ids import UserId
from domain.passkeys import decode_id, passkey_name


@dataclass(frozen=True, slots=True)
class RenamePasskeyCommand:
    user_id: UserId
    passkey_id: str
    name: str


@dataclass(frozen=True, slots=True)
class RemovePasskeyCommand:
    user_id: UserId
    passkey_id: str


class ListPasskeys:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, user_id: UserId) -> list[PasskeyView]:
        with self._uow as uow:
            return [PasskeyView.of(passkey) for passkey in uow.passkeys.list_for_user(user_id)]


class RenamePasskey:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: RenamePasskeyCommand) -> PasskeyView:
        name = passkey_name(cmd.name)
        credential_id = _credential_id(cmd.passkey_id)
        with self._uow as uow:
            if not uow.passkeys.rename(cmd.user_id, credential_id, name):
                raise NotFoundError()
            passkey = uow.passkeys.get_for_user(cmd.user_id, credential_id)
            uow.commit()
        if passkey is None:  # pragma: no cover -- renamed a moment ago in this transaction
            raise NotFoundError()
        return PasskeyView.of(passkey)


class RemovePasskey:
    def __init__(self, uow: UnitOfWork, notifier: Notifier, clock: Clock) -> None:
        self._uow = uow
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: RemovePasskeyCommand) -> None:
        credential_id = _credential_id(cmd.passkey_id)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            passkey = uow.passkeys.get_for_user(cmd.user_id, credential_id)
            if user is None or passkey is None:
                raise NotFoundError()
            if user.password is None and uow.passkeys.count_for_user(user.id) <= 1:
                raise LastLoginMethodError()
            uow.passkeys.delete(user.id, credential_id)
            uow.events.add(passkey.removed_event(now))
            params = {"first_name": user.first_name.value, "name": passkey.name, "at": rfc3339(now)}
            notice = Notice(NoticeKind.PASSKEY_REMOVED, user.email.value, params)
            uow.after_commit(lambda: self._notifier.send(notice))
            uow.commit()


def _credential_id(text: str) -> bytes:
    credential_id = decode_id(text)
    if credential_id is None:
        raise NotFoundError()
    return credential_id
