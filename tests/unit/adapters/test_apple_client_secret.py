"""Apple's client secret: an ES256 JWT with the team as issuer, the client as subject,
Apple as audience and the key id in the header, remade at half-life."""

from __future__ import annotations

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from adapters.oauth.apple_secret import SECRET_LIFETIME, AppleClientSecret

KEY = ec.generate_private_key(ec.SECP256R1())
PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock) -> AppleClientSecret:
    return AppleClientSecret(
        team_id="TEAM123456",
        key_id="KEY1234567",
        client_id="example.bastion.signin",
        private_key_pem=PEM,
        audience=lambda: "https://appleid.apple.com",
        clock=clock,
    )


def test_the_secret_is_an_es256_jwt_apple_can_check() -> None:
    clock = Clock()
    secret = make(clock).current()

    header = jwt.get_unverified_header(secret)
    claims = jwt.decode(
        secret,
        KEY.public_key(),
        algorithms=["ES256"],
        audience="https://appleid.apple.com",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert (header["alg"], header["kid"]) == ("ES256", "KEY1234567")
    assert claims["iss"] == "TEAM123456"
    assert claims["sub"] == "example.bastion.signin"
    assert claims["exp"] - claims["iat"] == SECRET_LIFETIME


def test_the_secret_is_kept_until_half_life_then_remade() -> None:
    clock = Clock()
    maker = make(clock)
    first = maker.current()

    clock.now += SECRET_LIFETIME / 2 - 1
    assert maker.current() == first
    clock.now += 2
    renewed = maker.current()
    assert renewed != first
    claims = jwt.decode(renewed, options={"verify_signature": False})
    assert claims["iat"] == int(clock.now)
