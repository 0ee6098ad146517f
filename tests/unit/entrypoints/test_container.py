"""dependency-injector does not type-check keyword arguments: build every provider once."""

from __future__ import annotations

from pathlib import Path

import pytest
from dependency_injector import providers

from entrypoints.container import build_container
from tests.support.geo import city_database
from tests.support.settings import test_settings as settings_in

SIDE_EFFECTS = {"migrate"}  # runs Alembic against the database


@pytest.mark.parametrize("geo", ["none", "headers", "geoip"])
def test_every_provider_of_the_memory_container_builds(tmp_path: Path, geo: str) -> None:
    overrides: dict[str, object] = {}
    if geo == "headers":
        overrides = {"trusted_proxies": 1, "geo_country_header": "CF-IPCountry"}
    elif geo == "geoip":
        overrides = {"geoip_db": city_database(tmp_path / "city.mmdb")}
    container = build_container(settings_in(tmp_path, **overrides), store="memory")
    built = 0
    for name, provider in container.providers.items():
        if name in SIDE_EFFECTS or isinstance(provider, providers.Configuration):
            continue
        assert provider() is not None, name
        built += 1
    assert built > 60
    assert (
        type(container.geo_locator()).__name__
        == {
            "none": "NoGeoLocator",
            "headers": "ProxyHeaderLocator",
            "geoip": "GeoIpLocator",
        }[geo]
    )
    container.reset_singletons()
