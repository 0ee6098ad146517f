"""``PATCH /me/passkeys/{id}``: a new name for one of the user's passkeys; another user's
is 404, never 403 (SECURITY WA-07)."""

from __future__ import annotations

from dataclasses import dataclass

from application.passkeys.lookup import credential_id
from application.ports.persistence import UnitOfWork
from application.results import PasskeyView
from domain.errors import NotFoundError
from domain.ids import UserId
from domain.passkeys import passkey_name


@dataclass(frozen=True, slots=True)
class RenamePasskeyCommand:
    user_id: UserId
    passkey_id: str
    name: str


class RenamePasskey:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: RenamePasskeyCommand) -> PasskeyView:
        name = passkey_name(cmd.name)
        wanted = credential_id(cmd.passkey_id)
        with self._uow as uow:
            passkey = uow.passkeys.get_for_user(cmd.user_id, wanted)
            if passkey is None or not uow.passkeys.rename(cmd.user_id, wanted, name):
                raise NotFoundError()
            uow.commit()
        passkey.name = name
        return PasskeyView.of(passkey)
