"""Locations come from a GeoIP2 City file or from a trusted proxy's headers, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.system.geo import GeoIpLocator, NoGeoLocator, ProxyHeaderLocator
from domain.sessions import Location
from tests.support.geo import BERLIN_V6, LONDON, city_database

EMPTY = Location()


@pytest.fixture(scope="module")
def geoip(tmp_path_factory: pytest.TempPathFactory) -> GeoIpLocator:
    return GeoIpLocator(city_database(tmp_path_factory.mktemp("geo") / "city.mmdb"))


def test_the_database_gives_country_city_and_time_zone(geoip: GeoIpLocator) -> None:
    assert geoip.locate(LONDON, {}) == Location("GB", "London", "Europe/London")
    assert geoip.locate(BERLIN_V6, {}) == Location("DE", "Berlin", None)


@pytest.mark.parametrize("ip", ["10.0.0.7", "127.0.0.1", "::1", "203.0.113.9", "not-an-ip", ""])
def test_an_address_the_database_does_not_hold_has_no_location(
    geoip: GeoIpLocator, ip: str
) -> None:
    assert geoip.locate(ip, {}) == EMPTY


def test_the_database_ignores_headers(geoip: GeoIpLocator) -> None:
    assert geoip.locate("10.0.0.7", {"CF-IPCountry": "FR"}) == EMPTY


def test_headers_set_by_the_proxy_are_read_by_the_configured_names() -> None:
    locator = ProxyHeaderLocator("CF-IPCountry", "CF-IPCity", "CF-Timezone")
    hints = {"CF-IPCountry": "fr", "CF-IPCity": "Lyon", "CF-Timezone": "Europe/Paris"}

    assert locator.locate("198.51.100.1", hints) == Location("FR", "Lyon", "Europe/Paris")
    assert locator.locate("198.51.100.1", {}) == EMPTY


@pytest.mark.parametrize(
    ("hints", "expected"),
    [
        ({"CF-IPCountry": "XX"}, EMPTY),
        ({"CF-IPCountry": "T1"}, EMPTY),
        ({"CF-IPCountry": "FRA"}, EMPTY),
        ({"CF-IPCountry": "DE", "CF-Timezone": "Mars/Olympus"}, Location("DE")),
        ({"CF-IPCountry": "DE", "CF-Timezone": "../../etc/passwd"}, Location("DE")),
        (
            {"CF-IPCountry": "DE", "CF-IPCity": "K\u00f6ln\r\nX-Evil: 1"},
            Location("DE", "KölnX-Evil: 1"),
        ),
        ({"CF-IPCountry": "DE", "CF-IPCity": "x" * 500}, Location("DE", "x" * 100)),
    ],
)
def test_header_values_are_cleaned_or_dropped(hints: dict[str, str], expected: Location) -> None:
    locator = ProxyHeaderLocator("CF-IPCountry", "CF-IPCity", "CF-Timezone")

    assert locator.locate("198.51.100.1", hints) == expected


def test_without_a_source_every_location_is_empty() -> None:
    assert NoGeoLocator().locate(LONDON, {"CF-IPCountry": "GB"}) == EMPTY


def test_a_missing_database_file_fails_at_start_not_at_sign_in(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        GeoIpLocator(tmp_path / "missing.mmdb")
