"""dependency-injector does not type-check keyword arguments: build every provider once,
and check that what a test overrides on the container is what the parts see."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dependency_injector import containers, providers

from application.auth.register_user import RegisterUserCommand
from application.auth.verify_email import VerifyEmailCommand
from domain.errors import InvalidCodeError
from domain.values import EmailAddress
from entrypoints.container import build_container
from tests.support.clock import ManualClock
from tests.support.geo import city_database
from tests.support.notifier import RecordingNotifier
from tests.support.settings import test_settings as settings_in

SIDE_EFFECTS = {"migrate"}  # runs Alembic against the database


def declared(container: containers.Container) -> Iterator[tuple[str, providers.Provider[object]]]:
    """Each part's providers by name, walking into the parts; the container's own names
    are the parts' providers, so they come up again and are built once."""
    for name, provider in container.providers.items():
        if isinstance(provider, providers.Container):
            for inner, found in declared(provider.container):
                yield f"{name}.{inner}", found
        elif not isinstance(provider, providers.Configuration | providers.DependenciesContainer):
            yield name, provider


@pytest.mark.parametrize("geo", ["none", "headers", "geoip"])
def test_every_provider_of_the_memory_container_builds(tmp_path: Path, geo: str) -> None:
    overrides: dict[str, object] = {}
    if geo == "headers":
        overrides = {"trusted_proxies": 1, "geo_country_header": "CF-IPCountry"}
    elif geo == "geoip":
        overrides = {"geoip_db": city_database(tmp_path / "city.mmdb")}
    container = build_container(settings_in(tmp_path, **overrides), store="memory")
    built: set[int] = set()
    for name, provider in declared(container):
        if name.rpartition(".")[2] in SIDE_EFFECTS or id(provider) in built:
            continue
        assert provider() is not None, name
        built.add(id(provider))
    assert len(built) > 130
    assert (
        type(container.geo_locator()).__name__
        == {
            "none": "NoGeoLocator",
            "headers": "ProxyHeaderLocator",
            "geoip": "GeoIpLocator",
        }[geo]
    )
    container.reset_singletons()


def test_a_clock_and_a_notifier_set_on_the_container_reach_the_use_cases(tmp_path: Path) -> None:
    container = build_container(settings_in(tmp_path), store="memory")
    clock, mail = ManualClock(datetime(2031, 5, 6, 7, 8, tzinfo=UTC)), RecordingNotifier()
    container.clock.override(clock)
    container.notifier.override(mail)

    command = RegisterUserCommand("ada@example.com", "correct horse battery staple", "Ada", "B")
    container.register_user()(command)
    with container.uow() as uow:
        user = uow.users.get_by_email(EmailAddress.parse("ada@example.com"))
    code = mail.last_code("ada@example.com")
    clock.advance(minutes=16)  # past the code's 15 minutes, on the clock the store reads

    assert user is not None
    assert user.created_at == datetime(2031, 5, 6, 7, 8, tzinfo=UTC)
    with pytest.raises(InvalidCodeError):
        container.verify_email()(VerifyEmailCommand("ada@example.com", code))
    container.reset_singletons()
