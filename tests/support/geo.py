"""A tiny GeoIP2 City database written for the tests (no MaxMind download needed)."""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

LONDON = "81.2.69.160"
BERLIN_V6 = "2001:db8::1"


def city_database(path: Path) -> Path:
    writer = MMDBWriter(
        ip_version=6, database_type="GeoIP2-City", languages=["en"], ipv4_compatible=True
    )
    writer.insert_network(
        IPSet(["81.2.69.0/24"]),
        {
            "country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
            "city": {"names": {"en": "London"}},
            "location": {"time_zone": "Europe/London"},
        },
    )
    writer.insert_network(
        IPSet(["2001:db8::/32"]),
        {"country": {"iso_code": "DE"}, "city": {"names": {"en": "Berlin"}}},
    )
    writer.to_db_file(str(path))
    return path
