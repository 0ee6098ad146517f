"""The password policy: length in code points, blocklist reasons, context words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import WeakPasswordError
from domain.passwords import PasswordPolicy, context_words

POLICY = PasswordPolicy(min_length=15)


def _reason(password: str, *context: str, blocklisted: str | None = None) -> str | None:
    try:
        POLICY.check(password, context_words(*context), blocklisted)
    except WeakPasswordError as error:
        return error.reason
    return None


def test_length_is_counted_in_code_points_after_nfc() -> None:
    assert _reason("e\u0301" * 7 + "x") == "too_short"  # 15 code points as NFD, 8 as NFC
    assert _reason("é" * 15) is None
    assert _reason("😀" * 15) is None
    assert _reason("😀" * 14) == "too_short"
    assert _reason("a" * 129) == "too_long"
    assert _reason("a b" * 42 + "ab") is None


def test_blocklist_reasons_are_named() -> None:
    assert _reason("a perfectly fine passphrase", blocklisted="common") == "common"
    assert _reason("a perfectly fine passphrase", blocklisted="breached") == "breached"


def test_passwords_built_from_the_users_own_words_are_refused() -> None:
    assert _reason("ada.lovelace2026!!", "ada.lovelace@example.com") == "context"
    assert _reason("bastionbastion2026") == "context"
    assert _reason("lovelace wrote the first program", "ada.lovelace@example.com") is None


def test_no_composition_rules() -> None:
    assert _reason("all lowercase words only here") is None
    assert _reason('quotes " and \\ backslashes 😀') is None


@given(st.text(min_size=15, max_size=128).filter(lambda s: len(s) >= 15))
def test_any_text_of_allowed_length_is_judged_without_crashing(password: str) -> None:
    outcome = None
    try:
        POLICY.check(password, context_words("someone@example.com"))
    except WeakPasswordError as error:
        outcome = error.reason
    assert outcome in {None, "context", "too_short", "too_long"}


@pytest.mark.parametrize("bad", ["", "x" * 14])
def test_short_passwords_say_how_long_they_must_be(bad: str) -> None:
    with pytest.raises(WeakPasswordError) as caught:
        POLICY.check(bad)
    assert "15" in caught.value.errors["password"][0]
