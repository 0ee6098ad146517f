"""The provider a path names, if this deployment has it on; 404 otherwise (an unknown name
and a provider without a client id read alike)."""

from __future__ import annotations

from application.ports.providers import IdentityProviders
from domain.errors import UnknownProviderError
from domain.social import Provider


def configured_provider(providers: IdentityProviders, name: str) -> Provider:
    try:
        provider = Provider(name)
    except ValueError:
        raise UnknownProviderError() from None
    if provider not in providers.configured():
        raise UnknownProviderError()
    return provider
