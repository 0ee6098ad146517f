"""Social sign-in on the console, against the fake Google, GitHub and Apple on loopback:
the "Continue with …" buttons of the configured providers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import Bastion, BastionFactory
from tests.support.social import ProviderSet
from tests.web.conftest import Browser, text

_APPLE = ("oauth_apple_client_id", "oauth_apple_team_id", "oauth_apple_key_id")


@pytest.fixture(scope="module")
def fakes() -> Iterator[ProviderSet]:
    found = ProviderSet.start()
    yield found
    found.close()


@pytest.fixture
def social(make_bastion: BastionFactory, fakes: ProviderSet) -> Bastion:
    fakes.reset()
    return make_bastion(**fakes.settings())


def test_the_sign_in_page_offers_the_configured_providers_only(
    make_bastion: BastionFactory, fakes: ProviderSet
) -> None:
    settings = {k: v for k, v in fakes.settings().items() if k not in _APPLE}
    bastion = make_bastion(**settings)

    page = text(Browser(bastion).get("/account/sign-in"))

    assert "Continue with Google" in page
    assert "Continue with GitHub" in page
    assert "Continue with Apple" not in page
    assert "Continue with" not in text(Browser(make_bastion()).get("/account/sign-in"))
