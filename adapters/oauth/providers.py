"""``IdentityProviders`` over the configured provider clients: one per provider whose
client id is set. Building one reads no network; the discovery document and the keys are
fetched on first use and cached."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from application.ports.providers import (
    AuthorizationRequest,
    IdentityProviders,
    ProviderAnswer,
)
from domain.errors import UnknownProviderError
from domain.social import Provider, ProviderIdentity


class ProviderClient(Protocol):
    provider: Provider

    def authorization_url(self, request: AuthorizationRequest) -> str: ...

    def identify(self, answer: ProviderAnswer) -> ProviderIdentity: ...


class ConfiguredProviders(IdentityProviders):
    def __init__(self, clients: Iterable[ProviderClient]) -> None:
        self._clients = {client.provider: client for client in clients}

    def configured(self) -> frozenset[Provider]:
        return frozenset(self._clients)

    def authorization_url(self, request: AuthorizationRequest) -> str:
        return self._client(request.provider).authorization_url(request)

    def identify(self, answer: ProviderAnswer) -> ProviderIdentity:
        return self._client(answer.provider).identify(answer)

    def _client(self, provider: Provider) -> ProviderClient:
        client = self._clients.get(provider)
        if client is None:
            raise UnknownProviderError()
        return client
