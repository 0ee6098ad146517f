"""Profile changes (picture, address), locations and the trust score's signals."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.errors import ValidationFailedError
from domain.events import EventType
from domain.ids import SessionId, UserId
from domain.profile import Avatar, ImageType, change_email, check_new_email, set_avatar
from domain.sessions import Location
from domain.trust import TrustSignals, concerns, trust_score
from domain.users import User
from domain.values import EmailAddress, PersonName

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def a_user() -> User:
    return User(
        id=UserId(UUID(int=1)),
        email=EmailAddress.parse("ada@example.com"),
        first_name=PersonName.parse("Ada", "first_name"),
        last_name=PersonName.parse("Byron", "last_name"),
        created_at=AT,
        updated_at=AT,
        email_verified=True,
    )


def test_setting_a_picture_returns_the_one_it_replaces() -> None:
    user = a_user()
    first = Avatar("avatars/aaaaaaaaaaaaaaaa.png", 10, ImageType.PNG, "https://x/media/1")
    second = Avatar("avatars/bbbbbbbbbbbbbbbb.jpg", 20, ImageType.JPEG, "https://x/media/2")

    assert set_avatar(user, first, AT)[0] is None
    previous, event = set_avatar(user, second, AT)

    assert previous == first.key
    assert (user.avatar_key, user.avatar_size, user.avatar_mime_type, user.avatar_url) == (
        second.key,
        20,
        "image/jpeg",
        "https://x/media/2",
    )
    assert (event.type, dict(event.metadata)) == (EventType.PROFILE_UPDATED, {"fields": "avatar"})
    assert set_avatar(user, None, AT)[0] == second.key
    assert user.avatar_key is user.avatar_url is user.avatar_mime_type is user.avatar_size is None


def test_a_changed_email_stays_verified_and_its_event_names_no_address() -> None:
    user = a_user()
    later = datetime(2026, 3, 2, tzinfo=UTC)
    new = EmailAddress.parse("ada@example.org")

    event = change_email(user, new, later, SessionId(UUID(int=9)))

    assert (user.email, user.email_verified, user.email_verified_at) == (new, True, later)
    assert (event.type, dict(event.metadata), event.session_id) == (
        EventType.EMAIL_CHANGED,
        {},
        SessionId(UUID(int=9)),
    )


def test_the_current_address_is_no_new_address() -> None:
    with pytest.raises(ValidationFailedError) as refused:
        check_new_email(a_user(), EmailAddress.parse(" ADA@example.com "))

    assert "new_email" in refused.value.errors


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (("de", " Berlin ", "Europe/Berlin"), Location("DE", "Berlin", "Europe/Berlin")),
        (("XX", None, None), Location()),
        (("D1", "", ""), Location()),
        ((None, "Caf\u00e9\x00\u202e", None), Location(None, "Café", None)),
    ],
)
def test_locations_are_cleaned(
    raw: tuple[str | None, str | None, str | None], expected: Location
) -> None:
    assert Location.of(*raw) == expected


def test_a_location_describes_what_it_knows() -> None:
    assert Location("FR", "Paris").describe() == "Paris, FR"
    assert Location("FR").describe() == "FR"
    assert Location().describe() == ""
    assert not Location().known
    assert Location(timezone="UTC").known


def test_a_new_country_costs_twenty_points_and_is_named() -> None:
    known = TrustSignals(known_device=True, known_network=True)
    abroad = TrustSignals(known_device=True, known_network=True, new_country=True)

    assert trust_score(known) - trust_score(abroad) == 20
    assert concerns(abroad) == ("new_country",)
    assert concerns(TrustSignals(recent_failures=2)) == (
        "new_device",
        "new_network",
        "recent_failures",
    )
    assert concerns(TrustSignals(known_device=True, known_network=True, second_factor=True)) == ()
