"""Where a sign-in comes from, the trust score it earns, and the "new sign-in" notice
(SECURITY DV-03). The score reports; it never skips a factor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyotp
import pytest

from application.ports.messaging import NoticeKind
from tests.api.conftest import Bastion, BastionFactory
from tests.support.geo import LONDON, city_database

ADA = "ada@example.com"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
HEADERS = {
    "trusted_proxies": 1,
    "geo_country_header": "CF-IPCountry",
    "geo_city_header": "CF-IPCity",
    "geo_timezone_header": "CF-Timezone",
}


def _from(
    ip: str, country: str = "", city: str = "", zone: str = "", agent: str = FIREFOX
) -> dict[str, str]:
    headers = {"X-Forwarded-For": ip, "User-Agent": agent}
    extra = {"CF-IPCountry": country, "CF-IPCity": city, "CF-Timezone": zone}
    return headers | {name: value for name, value in extra.items() if value}


def _sign_in(bastion: Bastion, headers: dict[str, str]) -> dict[str, Any]:
    response = bastion.log_in(ADA, headers=headers)
    assert response.status_code == 200, response.json
    tokens: dict[str, Any] = response.json
    return tokens


def _session(bastion: Bastion, tokens: dict[str, Any]) -> dict[str, Any]:
    items = bastion.call("GET", "/me/sessions", token=tokens["access_token"]).json["items"]
    return next(s for s in items if s["id"] == tokens["session_id"])


def _suspicious(bastion: Bastion, user_id: str) -> int:
    return bastion.events(user_id).count("session.suspicious")


def test_a_trusted_proxys_headers_place_the_session(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(**HEADERS)
    bastion.verified_user(ADA)

    tokens = _sign_in(bastion, _from("198.51.100.7", "de", "K\u00f6ln", "Europe/Berlin"))

    session = _session(bastion, tokens)
    assert session["location"] == {"country": "DE", "city": "Köln", "timezone": "Europe/Berlin"}
    assert session["network"] == "198.51.100.0/24"


def test_a_city_sent_as_utf8_bytes_reads_back_as_text(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(**HEADERS)
    bastion.verified_user(ADA)
    raw = "Zürich".encode().decode("latin-1")  # what WSGI hands over for UTF-8 bytes

    tokens = _sign_in(bastion, _from("198.51.100.7", "CH", raw))

    assert _session(bastion, tokens)["location"]["city"] == "Zürich"


def test_without_a_configured_source_location_headers_are_ignored(bastion: Bastion) -> None:
    bastion.verified_user(ADA)

    tokens = _sign_in(bastion, _from("198.51.100.7", "DE", "Berlin", "Europe/Berlin"))

    assert _session(bastion, tokens)["location"] == {
        "country": None,
        "city": None,
        "timezone": None,
    }


def test_a_geoip_database_places_the_session(make_bastion: BastionFactory, tmp_path: Path) -> None:
    database = city_database(tmp_path / "city.mmdb")
    bastion = make_bastion(geoip_db=database, **HEADERS)
    bastion.verified_user(ADA)

    london = _sign_in(bastion, _from(LONDON, "FR", "Paris"))  # the database wins
    private = _sign_in(bastion, _from("10.1.2.3"))

    assert _session(bastion, london)["location"] == {
        "country": "GB",
        "city": "London",
        "timezone": "Europe/London",
    }
    assert _session(bastion, private)["location"]["country"] is None


def test_a_new_device_network_and_country_is_reported_and_mailed(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(**HEADERS)
    bastion.verified_user(ADA)
    home = _sign_in(bastion, _from("198.51.100.7", "DE", "Berlin"))
    user_id = home["user"]["id"]
    again = _sign_in(bastion, _from("198.51.100.8", "DE", "Berlin"))
    assert _suspicious(bastion, user_id) == 0
    assert bastion.mail.to(ADA, NoticeKind.NEW_SIGN_IN) == []

    bastion.clock.advance(minutes=3)
    away = _sign_in(bastion, _from("203.0.113.9", "FR", "Paris", agent=IPHONE))

    assert _session(bastion, again)["trust_score"] == 80
    session = _session(bastion, away)
    assert session["trust_score"] == 20
    events = bastion.call("GET", "/me/events?type=session.suspicious", token=home["access_token"])
    [event] = events.json["items"]
    assert event["session_id"] == away["session_id"]
    assert event["metadata"] == {
        "trust_score": 20,
        "signals": "new_device,new_network,new_country",
    }
    [notice] = bastion.mail.to(ADA, NoticeKind.NEW_SIGN_IN)
    assert notice.params == {
        "first_name": "Ada",
        "device": "Mobile Safari on iOS (iPhone)",
        "place": "Paris, FR",
        "at": "2026-03-01T09:03:00Z",
    }
    assert "203.0.113" not in str(notice.params)


def test_the_threshold_is_configurable(make_bastion: BastionFactory) -> None:
    never = make_bastion(suspicious_trust_below=0)
    never.verified_user(ADA)
    never.log_in(ADA, "wrong password, sorry")
    _sign_in(never, {"User-Agent": IPHONE})

    always = make_bastion(suspicious_trust_below=101)
    always.verified_user(ADA)
    tokens = _sign_in(always, {"User-Agent": FIREFOX})
    _sign_in(always, {"User-Agent": FIREFOX})

    assert never.mail.to(ADA, NoticeKind.NEW_SIGN_IN) == []
    assert _suspicious(always, tokens["user"]["id"]) == 2
    [first, _] = always.mail.to(ADA, NoticeKind.NEW_SIGN_IN)
    assert first.params["place"] == "an unknown place"
    assert first.params["device"] == "Firefox on Linux"


def test_recent_wrong_passwords_lower_the_score(bastion: Bastion) -> None:
    bastion.verified_user(ADA)
    bastion.log_in(ADA, "wrong password, sorry")

    tokens = _sign_in(bastion, {"User-Agent": FIREFOX})

    assert _session(bastion, tokens)["trust_score"] == 35
    assert bastion.events(tokens["user"]["id"]).count("session.suspicious") == 1
    signals = bastion.call(
        "GET", "/me/events?type=session.suspicious", token=tokens["access_token"]
    ).json["items"][0]["metadata"]["signals"]
    assert signals == "new_device,new_network,recent_failures"


def test_a_trusted_device_still_has_to_pass_its_second_factor(bastion: Bastion) -> None:
    tokens = bastion.signed_in(ADA)
    token = tokens["access_token"]
    secret = bastion.call("POST", "/me/mfa/totp/setup", token=token).json["secret"]
    code = pyotp.TOTP(secret).at(bastion.clock.now())
    assert (
        bastion.call("POST", "/me/mfa/totp/confirm", token=token, json={"code": code}).status_code
        == 200
    )
    for _ in range(3):
        bastion.log_in(ADA)
    assert _session(bastion, tokens)["trust_score"] >= 40

    response = bastion.log_in(ADA, headers={"X-Device-Trust": "100", "X-Trust-Score": "100"})

    assert response.status_code == 200
    assert response.json["mfa_required"] is True
    assert "access_token" not in response.json


@pytest.mark.parametrize("agent", ["<script>alert(1)</script> Bcc: x@evil.test" * 200, ""])
def test_a_hostile_user_agent_never_reaches_the_notice(
    make_bastion: BastionFactory, agent: str
) -> None:
    bastion = make_bastion(suspicious_trust_below=101)
    bastion.verified_user(ADA)

    _sign_in(bastion, {"User-Agent": agent})

    [notice] = bastion.mail.to(ADA, NoticeKind.NEW_SIGN_IN)
    assert notice.params["device"] == "an unknown browser"
