"""``GET /me/providers``: the identities linked to the user; never a token."""

from __future__ import annotations

from application.ports.persistence import UnitOfWork
from application.results import ProviderLinkView
from domain.ids import UserId


class ListProviderLinks:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, user_id: UserId) -> list[ProviderLinkView]:
        with self._uow as uow:
            return [ProviderLinkView.of(link) for link in uow.provider_links.list_for_user(user_id)]
