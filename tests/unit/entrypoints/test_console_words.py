"""The console's words: every event type reads as a sentence, waits read naturally and
round up, and the page after sign-in is always one of the console's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from application.results import EventItem
from domain.errors import RateLimitedError, UnavailableError
from domain.events import METADATA_ALLOWLIST, EventType
from domain.ids import EventId, SessionId, UserId
from entrypoints.web import messages, security_log
from entrypoints.web.pages import safe_next


def _event(kind: EventType, **metadata: str | int) -> EventItem:
    return EventItem(
        id=EventId(uuid.UUID(int=1)),
        type=kind.value,
        occurred_at=datetime(2026, 12, 7, tzinfo=UTC),
        user_id=UserId(uuid.UUID(int=2)),
        session_id=SessionId(uuid.UUID(int=3)),
        metadata=metadata,
    )


@pytest.mark.parametrize("kind", list(EventType))
def test_every_event_type_reads_as_a_sentence_not_a_code(kind: EventType) -> None:
    words = security_log.describe(_event(kind), {})

    assert words[0].isupper()
    assert "." not in words
    assert "_" not in words
    assert security_log.kind(kind.value).label


def test_a_sign_in_names_its_steps_and_its_device() -> None:
    signed_in = _event(EventType.LOGIN_SUCCEEDED, method="pwd+otp")
    created = _event(EventType.SESSION_CREATED, browser="Firefox", os="Linux")

    assert security_log.describe(signed_in, {}) == (
        "Signed in with a password and an authenticator code"
    )
    assert security_log.describe(created, {}) == "New sign-in from Firefox on Linux"


def test_every_filter_names_a_type_a_person_can_see() -> None:
    values = [value for value, _ in security_log.FILTERS]

    assert set(values) <= set(METADATA_ALLOWLIST)
    assert EventType.ACCOUNT_DELETED.value not in values
    assert len(set(values)) == len(values)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "1 second"), (40, "40 seconds"), (60, "1 minute"), (61, "2 minutes"), (3601, "2 hours")],
)
def test_a_wait_reads_naturally_and_never_too_short(seconds: int, words: str) -> None:
    assert messages.wait(seconds) == words


def test_limits_and_outages_say_how_long_to_wait() -> None:
    limited = messages.describe(RateLimitedError(240))
    busy = messages.describe(UnavailableError(retry_after=5))

    assert limited == "Too many attempts. Please wait 4 minutes and try again."
    assert busy == "Bastion is busy right now. Please try again in 5 seconds."


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "/account"),
        ("/account/events?type=login.failed", "/account/events?type=login.failed"),
        ("/account?", "/account"),
        ("https://evil.example/account", "/account"),
        ("//evil.example/account", "/account"),
        ("/accounting", "/account"),
        ("/account/\\evil.example", "/account"),
        ("/api/v1/me", "/account"),
    ],
)
def test_after_sign_in_the_browser_goes_only_to_a_console_page(
    target: str | None, expected: str
) -> None:
    assert safe_next(target) == expected
