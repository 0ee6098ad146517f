from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.security.tokens import REQUIRED, JwtAccessTokenCodec
from application.ports.security import AccessClaims
from domain.errors import InvalidTokenError
from domain.ids import SessionId, UserId
from domain.sessions import AuthMethod
from tests.support.clock import ManualClock

SECRET = b"jwt-secret-for-tests-0123456789abcdef"
LIFETIME = 900
USER = UserId(UUID("0190a000-0000-7000-8000-000000000001"))
SESSION = SessionId(UUID("0190a000-0000-7000-8000-000000000002"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2030, 6, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def codec(clock: ManualClock) -> JwtAccessTokenCodec:
    return JwtAccessTokenCodec(SECRET, "bastion", "bastion-clients", LIFETIME, clock=clock)


def claims_at(at: datetime) -> AccessClaims:
    return AccessClaims(
        user_id=USER,
        session_id=SESSION,
        email="ann@example.com",
        role="user",
        methods=(AuthMethod.PASSWORD, AuthMethod.OTP),
        token_id="jti-1",
        issued_at=at,
        expires_at=at + timedelta(seconds=LIFETIME),
    )


def payload_at(at: datetime, **changes: Any) -> dict[str, Any]:
    stamp = int(at.timestamp())
    payload = {
        "iss": "bastion",
        "sub": str(USER),
        "aud": "bastion-clients",
        "exp": stamp + LIFETIME,
        "nbf": stamp,
        "iat": stamp,
        "jti": "jti-1",
        "sid": str(SESSION),
        "user_id": str(USER),
        "user_email": "ann@example.com",
        "role": "user",
        "amr": ["pwd"],
    }
    return {k: v for k, v in (payload | changes).items() if v is not None}


def segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_round_trips_its_claims(codec: JwtAccessTokenCodec, clock: ManualClock) -> None:
    claims = claims_at(clock.now())
    assert codec.verify(codec.issue(claims)) == claims


def test_the_token_carries_exactly_the_documented_claims(
    codec: JwtAccessTokenCodec, clock: ManualClock
) -> None:
    token = codec.issue(claims_at(clock.now()))
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {*REQUIRED, "user_id", "user_email", "role", "amr"}
    assert payload["amr"] == ["pwd", "otp"]
    assert payload["sub"] == payload["user_id"] == str(USER)
    assert payload["exp"] - payload["iat"] == LIFETIME == codec.lifetime_seconds
    assert payload["nbf"] == payload["iat"]
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}


def test_verification_follows_the_injected_clock_not_the_wall_clock(
    codec: JwtAccessTokenCodec, clock: ManualClock
) -> None:
    token = codec.issue(claims_at(clock.now()))
    clock.advance(LIFETIME + 29)
    assert codec.verify(token).token_id == "jti-1"
    clock.advance(2)
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


def test_a_token_from_the_future_is_refused_beyond_the_leeway(
    codec: JwtAccessTokenCodec, clock: ManualClock
) -> None:
    later = codec.issue(claims_at(clock.now() + timedelta(seconds=31)))
    with pytest.raises(InvalidTokenError):
        codec.verify(later)
    assert codec.verify(codec.issue(claims_at(clock.now() + timedelta(seconds=30))))


def test_nbf_in_the_future_is_refused(codec: JwtAccessTokenCodec, clock: ManualClock) -> None:
    stamp = int(clock.now().timestamp())
    token = jwt.encode(payload_at(clock.now(), nbf=stamp + 120), SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


@pytest.mark.parametrize("claim", REQUIRED)
def test_a_token_missing_a_required_claim_is_refused(
    codec: JwtAccessTokenCodec, clock: ManualClock, claim: str
) -> None:
    token = jwt.encode(payload_at(clock.now(), **{claim: None}), SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "someone-else"},
        {"aud": ["bastion-clients", "someone-else"]},
        {"iss": "evil"},
        {"sub": "0190a000-0000-7000-8000-000000000099"},
        {"amr": "pwd"},
        {"amr": ["telepathy"]},
        {"exp": "4102444800"},
        {"iat": 1.5},
        {"exp": 10**20},
        {"sid": "not-a-uuid"},
        {"user_email": 7},
    ],
    ids=lambda c: ",".join(f"{k}={v!r}"[:30] for k, v in c.items()),
)
def test_wrong_or_mistyped_claims_are_refused(
    codec: JwtAccessTokenCodec, clock: ManualClock, changes: dict[str, Any]
) -> None:
    token = jwt.encode(payload_at(clock.now(), **changes), SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


def test_alg_none_is_refused(codec: JwtAccessTokenCodec, clock: ManualClock) -> None:
    unsigned = f"{segment({'alg': 'none', 'typ': 'JWT'})}.{segment(payload_at(clock.now()))}."
    with pytest.raises(InvalidTokenError):
        codec.verify(unsigned)


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_hmac_algorithms_with_the_real_key_are_refused(
    codec: JwtAccessTokenCodec, clock: ManualClock, algorithm: str
) -> None:
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        token = jwt.encode(payload_at(clock.now()), SECRET, algorithm=algorithm)
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


def test_rs256_is_refused(codec: JwtAccessTokenCodec, clock: ManualClock) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(payload_at(clock.now()), key, algorithm="RS256")
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


def test_a_header_swapped_without_re_signing_is_refused(
    codec: JwtAccessTokenCodec, clock: ManualClock
) -> None:
    _, body, signature = codec.issue(claims_at(clock.now())).split(".")
    for header in ({"alg": "HS512", "typ": "JWT"}, {"alg": "HS256", "typ": "JWT", "x": 1}):
        with pytest.raises(InvalidTokenError):
            codec.verify(f"{segment(header)}.{body}.{signature}")


@pytest.mark.parametrize(
    "header",
    [
        {"jwk": {"kty": "oct", "k": base64.urlsafe_b64encode(SECRET).decode()}},
        {"jku": "https://evil.test/jwks.json"},
        {"x5u": "https://evil.test/cert.pem"},
        {"x5c": ["MIIB"]},
        {"kid": "../../dev/null"},
        {"crit": ["x"], "x": 1},
        {"typ": "at+jwt"},
    ],
    ids=lambda h: next(iter(h)),
)
def test_correctly_signed_tokens_with_key_or_extension_headers_are_refused(
    codec: JwtAccessTokenCodec, clock: ManualClock, header: dict[str, Any]
) -> None:
    token = jwt.encode(payload_at(clock.now()), SECRET, algorithm="HS256", headers=header)
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "é.é.é"])
def test_garbage_is_an_invalid_token(codec: JwtAccessTokenCodec, token: str) -> None:
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


def test_a_token_signed_with_another_key_is_refused(
    codec: JwtAccessTokenCodec, clock: ManualClock
) -> None:
    token = jwt.encode(payload_at(clock.now()), b"x" * 32 + SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


def test_short_secrets_and_long_leeways_are_refused(clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtAccessTokenCodec(b"too-short", "i", "a", LIFETIME, clock=clock)
    with pytest.raises(ValueError, match="leeway"):
        JwtAccessTokenCodec(SECRET, "i", "a", LIFETIME, leeway_seconds=60, clock=clock)


def test_a_remembered_token_is_still_refused_once_it_expires(
    codec: JwtAccessTokenCodec, clock: ManualClock
) -> None:
    token = codec.issue(claims_at(clock.now()))
    first, again = codec.verify(token), codec.verify(token)
    assert again == first
    clock.advance(seconds=LIFETIME + 31)
    with pytest.raises(InvalidTokenError):
        codec.verify(token)


def test_a_tampered_copy_of_a_remembered_token_is_refused(
    codec: JwtAccessTokenCodec, clock: ManualClock
) -> None:
    token = codec.issue(claims_at(clock.now()))
    codec.verify(token)
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(InvalidTokenError):
        codec.verify(forged)
