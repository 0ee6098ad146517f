from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from adapters.security.totp import PyOtpTotp

# RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", in base32.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
AT = datetime.fromtimestamp(1_111_111_111, UTC)
STEP = 1_111_111_111 // 30


def hotp(secret: str, counter: int) -> str:
    """RFC 4226 written out here, so the adapter is checked against something other than
    the library it wraps."""
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 1_000_000).zfill(6)


def test_the_reference_helper_agrees_with_the_rfc_vectors() -> None:
    assert hotp(RFC_SECRET, 59 // 30) == "287082"
    assert hotp(RFC_SECRET, 1_111_111_109 // 30) == "081804"
    assert hotp(RFC_SECRET, STEP) == "050471"


def test_rfc_codes_match_at_their_time() -> None:
    totp = PyOtpTotp()
    assert totp.matching_step(RFC_SECRET, "050471", AT) == STEP
    at = datetime.fromtimestamp(1_234_567_890, UTC)
    assert totp.matching_step(RFC_SECRET, "005924", at) == 1_234_567_890 // 30


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_codes_one_step_either_side_are_accepted_with_their_own_step(offset: int) -> None:
    code = hotp(RFC_SECRET, STEP + offset)
    assert PyOtpTotp().matching_step(RFC_SECRET, code, AT) == STEP + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_codes_further_away_are_refused(offset: int) -> None:
    code = hotp(RFC_SECRET, STEP + offset)
    assert code not in {hotp(RFC_SECRET, STEP + n) for n in (-1, 0, 1)}
    assert PyOtpTotp().matching_step(RFC_SECRET, code, AT) is None


def test_the_window_follows_the_given_time_not_the_wall_clock() -> None:
    later = AT + timedelta(days=400)
    code = hotp(RFC_SECRET, int(later.timestamp()) // 30)
    assert PyOtpTotp().matching_step(RFC_SECRET, code, later) == int(later.timestamp()) // 30
    assert PyOtpTotp().matching_step(RFC_SECRET, code, AT) is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "05047",
        "0504710",
        " 050471",
        "050471 ",
        "05O471",
        "abcdef",
        "٠٥٠٤٧١",
        "-50471",
        "+50471",
    ],
)
def test_anything_but_six_ascii_digits_matches_nothing(garbage: str) -> None:
    assert PyOtpTotp().matching_step(RFC_SECRET, garbage, AT) is None


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PyOtpTotp().matching_step(RFC_SECRET, "050471", AT.replace(tzinfo=None))


def test_new_secrets_are_base32_of_at_least_160_random_bits() -> None:
    totp = PyOtpTotp()
    secrets = {totp.new_secret() for _ in range(200)}
    assert len(secrets) == 200
    for secret in secrets:
        assert len(base64.b32decode(secret)) * 8 >= 160


def test_a_new_secret_works_end_to_end() -> None:
    totp = PyOtpTotp()
    secret = totp.new_secret()
    assert totp.matching_step(secret, hotp(secret, STEP), AT) == STEP


def test_the_provisioning_uri_names_issuer_account_and_parameters() -> None:
    uri = PyOtpTotp().provisioning_uri(RFC_SECRET, "ann@example.com", "Bastion")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert parts.path == "/Bastion:ann%40example.com"
    query = parse_qs(parts.query)
    assert query["secret"] == [RFC_SECRET]
    assert query["issuer"] == ["Bastion"]
    assert query.get("digits", ["6"]) == ["6"]
    assert query.get("period", ["30"]) == ["30"]
    assert query.get("algorithm", ["SHA1"]) == ["SHA1"]
