"""Sign-in with another account (Google, GitHub, Apple), as far as the console's pages
need to know of it: which providers are configured, by key and name.

The sign-in page offers "Continue with …" for each, and the security page lists them
under linked accounts; with none configured, both stay hidden. The provider sends the
browser back to ``/account/oauth/callback`` (:data:`CALLBACK_PATH`), a page of the
console under ``{BASTION_PUBLIC_URL}/account/``, which the redirect allow-list admits.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from flask import current_app, url_for

from domain.social import Provider as SignInProvider

CALLBACK_PATH = "/account/oauth/callback"
_KEY = "bastion.console.providers"


@dataclass(frozen=True, slots=True)
class Provider:
    key: str
    """The API's name for it: ``google``, ``github``, ``apple``."""
    name: str
    """What a person reads: "Google"."""


class SocialProviders(Protocol):
    def configured(self) -> Sequence[Provider]:
        """The providers a person may sign in with here, in the order to show them."""
        ...


class NoSocialProviders(SocialProviders):
    """This build signs in with passwords and passkeys only: no provider is configured."""

    def configured(self) -> Sequence[Provider]:
        return ()


class ConfiguredSocialProviders(SocialProviders):
    """The providers social sign-in has a client id for, as its registry reports them
    (asked on each page, so the console never offers one the API would answer 404 to),
    in the order Google, GitHub, Apple."""

    def __init__(self, registry: Callable[[], Collection[SignInProvider]]) -> None:
        self._registry = registry

    def configured(self) -> Sequence[Provider]:
        on = self._registry()
        return tuple(
            Provider(key=item.value, name=item.display_name)
            for item in SignInProvider
            if item in on
        )


def install(app_extensions: dict[str, object], providers: SocialProviders) -> None:
    app_extensions[_KEY] = providers


def sign_in_url(provider: Provider) -> str:
    """Where "Continue with …" goes: the console's start, which binds the flow to this
    browser and goes on to :func:`authorize_url`."""
    return url_for("console.start_provider_sign_in", provider=provider.key)


def authorize_url(key: str, flow: str) -> str:
    """The API's start of the provider's sign-in, coming back to the console's own page
    with ``flow`` (the value of this browser's binding cookie)."""
    public_url = current_app.config["BASTION_PUBLIC_URL"]
    back = f"{public_url}{CALLBACK_PATH}?{urlencode({'flow': flow})}"
    return f"/api/v1/auth/oauth/{key}/authorize?{urlencode({'redirect_uri': back})}"


def configured() -> Sequence[Provider]:
    providers: SocialProviders = current_app.extensions[_KEY]
    return providers.configured()


def name_of(key: str) -> str:
    """What a person reads for the provider ``key`` ("GitHub"), configured or not."""
    known = {item.value: item.display_name for item in SignInProvider}
    return known.get(key, key)


def find(key: str) -> Provider | None:
    """The configured provider named ``key``, if it is one."""
    return next((item for item in configured() if item.key == key), None)
