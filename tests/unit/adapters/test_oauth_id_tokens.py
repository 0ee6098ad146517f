"""The id_token check against a fake key set, in process (SECURITY OA-03): every bent token
is refused with the reason of the check it failed, and unknown key ids cost at most one
key fetch a minute."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from adapters.oauth.id_tokens import IdTokenVerifier
from adapters.oauth.jwks import KeySetCache
from adapters.oauth.transport import Budget
from application.ports.providers import IdentityRejectedError, ProviderUnavailableError
from tests.support.fake_providers import hmac_signed, unsigned

ISSUER = "https://accounts.example"
CLIENT = "our-client-id"
NONCE = "the-nonce-of-this-flow"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


class Keys:
    """A JWKS endpoint in process that counts its fetches."""

    def __init__(self) -> None:
        self.fetches = 0
        self.published = {
            "rsa-1": json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key())),
            "ec-1": json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key())),
        }

    def __call__(self, budget: Budget) -> dict[str, Any]:
        self.fetches += 1
        return {"keys": [{**jwk, "kid": kid} for kid, jwk in self.published.items()]}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "42",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        **changes,
    }


def signed(key: Any = RSA_KEY, algorithm: str = "RS256", kid: str = "rsa-1", **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(keys: Keys, clock: Clock) -> IdTokenVerifier:
    return IdTokenVerifier(KeySetCache(keys, clock=clock), CLIENT)


def verify(verifier: IdTokenVerifier, token: str, nonce: str = NONCE) -> dict[str, Any]:
    return verifier.verify(token, issuer=ISSUER, nonce=nonce, budget=Budget(5))


def reason(verifier: IdTokenVerifier, token: str, nonce: str = NONCE) -> str:
    with pytest.raises(IdentityRejectedError) as refused:
        verify(verifier, token, nonce)
    return refused.value.reason


def test_rs256_and_es256_tokens_from_the_provider_pass(verifier: IdTokenVerifier) -> None:
    assert verify(verifier, signed())["sub"] == "42"
    assert verify(verifier, signed(EC_KEY, "ES256", "ec-1"))["sub"] == "42"


def test_a_list_audience_needs_us_as_the_authorized_party(verifier: IdTokenVerifier) -> None:
    assert verify(verifier, signed(aud=[CLIENT, "other"], azp=CLIENT))
    assert reason(verifier, signed(aud=[CLIENT, "other"])) == "audience"


def test_a_bad_signature_is_refused(verifier: IdTokenVerifier) -> None:
    head, body, _signature = signed().split(".")
    other = signed(rsa.generate_private_key(public_exponent=65537, key_size=2048)).split(".")[2]

    assert reason(verifier, f"{head}.{body}.{other}") == "signature"


def test_alg_none_is_refused(verifier: IdTokenVerifier) -> None:
    assert reason(verifier, unsigned(claims(), "rsa-1")) == "algorithm"


def test_hs256_keyed_with_the_public_key_is_refused(verifier: IdTokenVerifier) -> None:
    public = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    assert reason(verifier, hmac_signed(claims(), public, "rsa-1")) == "algorithm"


def test_an_rs256_header_on_an_ec_key_is_refused(verifier: IdTokenVerifier) -> None:
    assert reason(verifier, signed(RSA_KEY, "RS256", "ec-1")) in {"signature", "malformed"}


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "https://evil.test"}, "issuer"),
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"iat": int(time.time()) + 3600}, "claims"),
        ({"nonce": "another-flow"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"exp": "tomorrow"}, "expired"),
    ],
)
def test_wrong_claims_are_refused(
    verifier: IdTokenVerifier, changes: dict[str, Any], why: str
) -> None:
    assert reason(verifier, signed(**changes)) == why


def test_malformed_tokens_are_refused(verifier: IdTokenVerifier) -> None:
    for token in ("", "abc", "a.b.c", "x" * 20_000):
        assert reason(verifier, token) == "malformed"


def test_unknown_key_ids_refetch_at_most_once_a_minute(
    verifier: IdTokenVerifier, keys: Keys, clock: Clock
) -> None:
    verify(verifier, signed())
    assert keys.fetches == 1

    for n in range(10):
        assert reason(verifier, signed(kid=f"made-up-{n}")) == "signature"
    assert keys.fetches == 1  # fetched under a minute ago: no refetch at all

    clock.now += 61
    for n in range(10):
        assert reason(verifier, signed(kid=f"made-up-{n}")) == "signature"
    assert keys.fetches == 2  # one refetch for the whole flood

    clock.now += 61
    keys.published["rsa-2"] = keys.published.pop("rsa-1")
    assert verify(verifier, signed(kid="rsa-2"))
    assert keys.fetches == 3


def test_an_unreachable_key_set_is_unavailable_not_refused(clock: Clock) -> None:
    def down(budget: Budget) -> Any:
        raise ProviderUnavailableError("timeout")

    verifier = IdTokenVerifier(KeySetCache(down, clock=clock), CLIENT)

    with pytest.raises(ProviderUnavailableError):
        verify(verifier, signed())
