"""Where a client is: a MaxMind/GeoLite2 City database, or headers a trusted proxy set.

Neither guesses: an address the database does not hold, a private address, a missing or
malformed header all give an empty ``Location``. Values are cleaned by ``Location.of``
(two-letter country, clipped printable names) before anything stores them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from zoneinfo import available_timezones

import geoip2.database
import geoip2.errors

from application.ports.identity import GeoLocator
from domain.sessions import Location

log = logging.getLogger("bastion.geo")


class NoGeoLocator(GeoLocator):
    """No source configured: every location is empty."""

    def locate(self, ip: str, hints: Mapping[str, str]) -> Location:
        return Location()


class GeoIpLocator(GeoLocator):
    """``BASTION_GEOIP_DB``: a GeoIP2/GeoLite2 City ``.mmdb`` file, opened once and
    memory-mapped; lookups are local and safe across threads."""

    def __init__(self, path: Path) -> None:
        self._reader = geoip2.database.Reader(str(path))

    def locate(self, ip: str, hints: Mapping[str, str]) -> Location:
        try:
            found = self._reader.city(ip)
        except (geoip2.errors.AddressNotFoundError, ValueError):
            return Location()
        except Exception as exc:  # a damaged record must not fail a sign-in
            log.warning("geolocation failed", extra={"error": type(exc).__name__})
            return Location()
        return Location.of(found.country.iso_code, found.city.name, found.location.time_zone)


class ProxyHeaderLocator(GeoLocator):
    """Headers such as Cloudflare's ``CF-IPCountry``, ``CF-IPCity`` and ``CF-Timezone``.
    Used only when ``BASTION_TRUSTED_PROXIES`` > 0 (the settings refuse these names
    otherwise), and the edge passes only the named headers: the proxy must set or strip
    them, or a client could choose its own location."""

    def __init__(self, country: str, city: str = "", timezone: str = "") -> None:
        self._country = country
        self._city = city
        self._timezone = timezone

    def locate(self, ip: str, hints: Mapping[str, str]) -> Location:
        zone = hints.get(self._timezone) if self._timezone else None
        return Location.of(
            hints.get(self._country),
            hints.get(self._city) if self._city else None,
            zone if zone in _zones() else None,
        )


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())
