from __future__ import annotations

import hashlib
import hmac

import pytest

from adapters.security.digests import HmacDigester

KEY = b"digest-key-for-tests-0123456789ab"


def test_digest_is_the_sha256_hex_of_the_token() -> None:
    assert HmacDigester(KEY).digest("token") == hashlib.sha256(b"token").hexdigest()


def test_keyed_digests_use_one_subkey_per_purpose() -> None:
    digester = HmacDigester(KEY)
    subkey = hmac.new(KEY, b"email_verification", hashlib.sha256).digest()
    expected = hmac.new(subkey, b"123456", hashlib.sha256).hexdigest()
    assert digester.keyed("123456", "email_verification") == expected
    assert digester.keyed("123456", "email_verification") != digester.keyed("123456", "sms")
    assert digester.keyed("123456", "sms") != hashlib.sha256(b"123456").hexdigest()


def test_keyed_digests_depend_on_the_key() -> None:
    other = HmacDigester(b"another-key-for-tests-0123456789")
    assert HmacDigester(KEY).keyed("123456", "p") != other.keyed("123456", "p")


def test_same_compares_in_constant_time_and_tolerates_any_text() -> None:
    digester = HmacDigester(KEY)
    assert digester.same("abc", "abc")
    assert not digester.same("abc", "abd")
    assert not digester.same("é", "e")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        HmacDigester(b"short")
