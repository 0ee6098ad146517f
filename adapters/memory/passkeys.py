"""The in-memory twin of ``PasskeyRepository``, on the memory unit of work's staged tables:
copies in and out, the unit of work's lock making each call atomic."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import TYPE_CHECKING

from application.ports.persistence import PasskeyRepository
from domain.errors import PasskeyExistsError
from domain.ids import UserId
from domain.passkeys import Passkey
from domain.values import EmailAddress

if TYPE_CHECKING:
    from adapters.memory.persistence import _Staged
    from domain.users import User


class MemoryPasskeyRepository(PasskeyRepository):
    def __init__(
        self,
        passkeys: _Staged[bytes, Passkey],
        handles: _Staged[UserId, bytes],
        users: _Staged[UserId, User],
    ) -> None:
        self._passkeys = passkeys
        self._handles = handles
        self._users = users

    def add(self, passkey: Passkey) -> None:
        if self._users.get(passkey.user_id) is None:
            raise LookupError(f"user {passkey.user_id} does not exist")
        if self._passkeys.get(passkey.id) is not None:
            raise PasskeyExistsError()
        self._passkeys.put(passkey.id, passkey)

    def get(self, credential_id: bytes) -> Passkey | None:
        return self._passkeys.get(credential_id)

    def get_for_user(self, user_id: UserId, credential_id: bytes) -> Passkey | None:
        passkey = self.get(credential_id)
        return passkey if passkey is not None and passkey.user_id == user_id else None

    def list_for_user(self, user_id: UserId) -> list[Passkey]:
        mine = [p for _, p in self._passkeys.peek() if p.user_id == user_id]
        mine.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        return copy.deepcopy(mine)

    def list_for_email(self, email: EmailAddress) -> list[Passkey]:
        wanted = email.value.lower()
        owners = [uid for uid, user in self._users.peek() if user.email.value.lower() == wanted]
        return self.list_for_user(owners[0]) if owners else []

    def count_for_user(self, user_id: UserId) -> int:
        return sum(1 for _, p in self._passkeys.peek() if p.user_id == user_id)

    def rename(self, user_id: UserId, credential_id: bytes, name: str) -> bool:
        passkey = self.get_for_user(user_id, credential_id)
        if passkey is None:
            return False
        passkey.name = name
        self._passkeys.put(credential_id, passkey)
        return True

    def delete(self, user_id: UserId, credential_id: bytes) -> bool:
        found = self.get_for_user(user_id, credential_id) is not None
        if found:
            self._passkeys.delete(credential_id)
        return found

    def record_use(
        self, credential_id: bytes, *, seen: int, presented: int, backed_up: bool, at: datetime
    ) -> bool:
        passkey = self.get(credential_id)
        if passkey is None or passkey.counter != seen:
            return False
        if not (passkey.counter < presented if presented else passkey.counter == 0):
            return False
        passkey.counter, passkey.backed_up, passkey.last_used_at = presented, backed_up, at
        self._passkeys.put(credential_id, passkey)
        return True

    def handle_of(self, user_id: UserId) -> bytes | None:
        return self._handles.get(user_id)

    def ensure_handle(self, user_id: UserId, candidate: bytes) -> bytes:
        if self._users.get(user_id) is None:
            raise LookupError(f"user {user_id} does not exist")
        found = self._handles.get(user_id)
        if found is None:
            if any(handle == candidate for _, handle in self._handles.peek()):
                raise ValueError("user handles are unique")
            self._handles.put(user_id, candidate)
            found = candidate
        return found
