"""The in-memory twin of ``ProviderLinkRepository`` on the memory unit of work's staged
tables: copies in and out, the unit of work's lock making each call atomic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from application.ports.persistence import ProviderLinkRepository
from domain.errors import ProviderAlreadyLinkedError, ProviderLinkExistsError
from domain.ids import UserId
from domain.social import Provider, ProviderLink

if TYPE_CHECKING:
    from adapters.memory.persistence import _Staged
    from domain.users import User

Key = tuple[Provider, str]
_ORDER = {provider: rank for rank, provider in enumerate(Provider)}


class MemoryProviderLinkRepository(ProviderLinkRepository):
    def __init__(self, links: _Staged[Key, ProviderLink], users: _Staged[UserId, User]) -> None:
        self._links = links
        self._users = users

    def add(self, link: ProviderLink) -> None:
        if self._users.get(link.user_id) is None:
            raise LookupError(f"user {link.user_id} does not exist")
        if self._links.get(link.key) is not None:
            raise ProviderLinkExistsError()
        if self.get_for_user(link.user_id, link.provider) is not None:
            raise ProviderAlreadyLinkedError()
        self._links.put(link.key, link)

    def get(
        self, provider: Provider, subject: str, *, for_update: bool = False
    ) -> ProviderLink | None:
        return self._links.get((provider, subject))

    def get_for_user(self, user_id: UserId, provider: Provider) -> ProviderLink | None:
        for key, link in self._links.peek():
            if link.user_id == user_id and link.provider is provider:
                return self._links.get(key)
        return None

    def list_for_user(self, user_id: UserId) -> list[ProviderLink]:
        keys = [key for key, link in self._links.peek() if link.user_id == user_id]
        found = [link for key in keys if (link := self._links.get(key)) is not None]
        return sorted(found, key=lambda link: _ORDER[link.provider])

    def count_for_user(self, user_id: UserId) -> int:
        return sum(1 for _, link in self._links.peek() if link.user_id == user_id)

    def save(self, link: ProviderLink) -> None:
        if self._links.get(link.key) is None:
            raise LookupError("no such provider link")
        self._links.put(link.key, link)

    def delete(self, user_id: UserId, provider: Provider) -> bool:
        link = self.get_for_user(user_id, provider)
        if link is not None:
            self._links.delete(link.key)
        return link is not None

    def list_sealed(self, after: Key | None, limit: int) -> list[ProviderLink]:
        sealed = sorted(
            (key for key, link in self._links.peek() if link.sealed_token is not None),
            key=_position,
        )
        page = [key for key in sealed if after is None or _position(key) > _position(after)]
        return [link for key in page[:limit] if (link := self._links.get(key)) is not None]

    def reseal(self, provider: Provider, subject: str, old: str, new: str) -> bool:
        link = self._links.get((provider, subject))
        if link is None or link.sealed_token != old:
            return False
        link.sealed_token = new
        self._links.put(link.key, link)
        return True


def _position(key: Key) -> tuple[str, str]:
    """SQL's order of ``(type, provider_id)``: the provider's name, then the subject."""
    return (key[0].value, key[1])
