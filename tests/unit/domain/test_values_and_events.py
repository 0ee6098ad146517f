"""Value objects normalise untrusted text; events refuse metadata outside their allow-list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.errors import ValidationFailedError
from domain.events import EventDraft, EventType, MetadataNotAllowedError
from domain.values import EmailAddress, PersonName, PhoneNumber

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_emails_are_trimmed_and_lower_cased() -> None:
    assert EmailAddress.parse("  Ada@Example.COM ").value == "ada@example.com"


@pytest.mark.parametrize("raw", ["a@x.com\r\nBcc: e@evil.test", "a\x00@x.com", "nope", "a@b", ""])
def test_bad_emails_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailedError):
        EmailAddress.parse(raw)


def test_names_refuse_control_characters_and_empty_text() -> None:
    with pytest.raises(ValidationFailedError):
        PersonName.parse("Ada\nLovelace", "first_name")
    with pytest.raises(ValidationFailedError):
        PersonName.parse("   ", "first_name")
    assert PersonName.parse(" Ada ", "first_name").value == "Ada"


def test_phone_numbers_are_normalised_to_e164() -> None:
    assert PhoneNumber.parse("+1 (415) 555-0100").value == "+14155550100"
    with pytest.raises(ValidationFailedError):
        PhoneNumber.parse("0415 555 0100")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("ada@example.com", "a•••@example.com"),
        ("a@example.com", "a•••@example.com"),
        ("grace.hopper+work@mail.example.org", "g•••@mail.example.org"),
    ],
)
def test_a_masked_email_keeps_the_first_letter_and_the_domain_only(raw: str, shown: str) -> None:
    assert EmailAddress.parse(raw).masked() == shown


def test_a_masked_phone_keeps_the_country_digit_and_the_last_two() -> None:
    assert PhoneNumber.parse("+14155550123").masked() == "+1••••••••23"


def test_every_event_type_has_an_allow_list() -> None:
    for event_type in EventType:
        EventDraft(type=event_type, user_id=None, at=NOW)


def test_metadata_outside_the_allow_list_is_refused() -> None:
    with pytest.raises(MetadataNotAllowedError):
        EventDraft(type=EventType.LOGIN_FAILED, user_id=None, at=NOW, metadata={"email": "a@x.com"})
    with pytest.raises(MetadataNotAllowedError):
        EventDraft(
            type=EventType.LOGIN_FAILED, user_id=None, at=NOW, metadata={"reason": "x" * 500}
        )
