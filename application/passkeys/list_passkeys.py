"""``GET /me/passkeys``: the user's passkeys, newest first, never a public key."""

from __future__ import annotations

from application.ports.persistence import UnitOfWork
from application.results import PasskeyView
from domain.ids import UserId


class ListPasskeys:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, user_id: UserId) -> list[PasskeyView]:
        with self._uow as uow:
            return [PasskeyView.of(passkey) for passkey in uow.passkeys.list_for_user(user_id)]
