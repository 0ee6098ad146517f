"""The py_webauthn adapter against a software authenticator: what it accepts, and each
attack of SECURITY WA-02..WA-05 it refuses, with the reason it gives."""

from __future__ import annotations

import os
from typing import Any

import pytest

from adapters.security.webauthn import PyWebAuthnCeremonies
from application.ports.webauthn import CeremonyRejectedError, NewCredential, UserVerification
from domain.passkeys import Descriptor, DeviceType
from tests.support.authenticator import EDDSA, ES256, ES384, ORIGIN, RS256, SoftAuthenticator, b64


@pytest.fixture
def ceremonies() -> PyWebAuthnCeremonies:
    return PyWebAuthnCeremonies("localhost", "Bastion", [ORIGIN, "https://app.localhost"])


def creation(ceremonies: PyWebAuthnCeremonies, challenge: bytes) -> dict[str, Any]:
    return ceremonies.creation_options(
        challenge=challenge,
        user_handle=os.urandom(64),
        user_name="ada@example.com",
        display_name="Ada Byron",
        exclude=[Descriptor(os.urandom(16), ("usb",))],
    )


def registered(ceremonies: PyWebAuthnCeremonies, authenticator: SoftAuthenticator) -> NewCredential:
    challenge = os.urandom(32)
    response = authenticator.create(creation(ceremonies, challenge))
    return ceremonies.verify_registration(response, challenge=challenge)


def request(ceremonies: PyWebAuthnCeremonies, challenge: bytes) -> dict[str, Any]:
    return ceremonies.request_options(
        challenge=challenge, allow=[], user_verification=UserVerification.REQUIRED
    )


def test_creation_options_are_l3_json_with_the_policy() -> None:
    ceremonies = PyWebAuthnCeremonies("localhost", "Bastion", [ORIGIN])
    challenge, handle = os.urandom(32), os.urandom(64)
    excluded = Descriptor(os.urandom(20), ("internal", "carrier-pigeon"))
    options = ceremonies.creation_options(
        challenge=challenge,
        user_handle=handle,
        user_name="ada@example.com",
        display_name="Ada",
        exclude=[excluded],
    )

    assert options["rp"] == {"id": "localhost", "name": "Bastion"}
    assert options["challenge"] == b64(challenge)
    assert options["user"]["id"] == b64(handle)
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [ES256, EDDSA, RS256]
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["excludeCredentials"] == [
        {"id": b64(excluded.id), "type": "public-key", "transports": ["internal"]}
    ]


@pytest.mark.parametrize("alg", [ES256, EDDSA, RS256])
def test_each_offered_algorithm_registers_and_signs_in(
    ceremonies: PyWebAuthnCeremonies, alg: int
) -> None:
    authenticator = SoftAuthenticator(alg=alg)
    new = registered(ceremonies, authenticator)
    assert new.id == authenticator.credential_id
    assert (new.device_type, new.backed_up) == (DeviceType.MULTI_DEVICE, True)
    assert new.transports == ("internal", "hybrid")

    challenge = os.urandom(32)
    assertion = authenticator.get(request(ceremonies, challenge))
    claim = ceremonies.read_assertion(assertion)
    verified = ceremonies.verify_assertion(
        assertion, challenge=challenge, public_key=new.public_key, require_user_verification=True
    )
    assert claim.credential_id == authenticator.credential_id
    assert claim.user_handle == authenticator.user_handle
    assert (verified.counter, verified.user_verified) == (1, True)


@pytest.mark.parametrize(
    ("bend", "reason"),
    [
        ({"origin": "https://evil.test"}, "origin"),
        ({"origin": "http://localhost:8001"}, "origin"),
        ({"rp_id": "evil.test"}, "rp_id"),
        ({"type": "webauthn.get"}, "type"),
        ({"up": False}, "user_presence"),
        ({"be": False, "bs": True}, "backup_flags"),
        ({"cross_origin": True}, "cross_origin"),
        ({"challenge": b64(os.urandom(32))}, "challenge"),
        ({"raw_id": os.urandom(32)}, "credential_id"),
    ],
)
def test_a_bent_registration_is_refused(
    ceremonies: PyWebAuthnCeremonies, bend: dict[str, Any], reason: str
) -> None:
    challenge = os.urandom(32)
    response = SoftAuthenticator().create(creation(ceremonies, challenge), **bend)
    with pytest.raises(CeremonyRejectedError) as refused:
        ceremonies.verify_registration(response, challenge=challenge)
    assert refused.value.reason == reason


def test_an_algorithm_not_offered_is_refused(ceremonies: PyWebAuthnCeremonies) -> None:
    with pytest.raises(CeremonyRejectedError) as refused:
        registered(ceremonies, SoftAuthenticator(alg=ES384))
    assert refused.value.reason == "algorithm"


def test_a_credential_id_over_1023_bytes_is_refused(ceremonies: PyWebAuthnCeremonies) -> None:
    with pytest.raises(CeremonyRejectedError) as refused:
        registered(ceremonies, SoftAuthenticator(credential_id=os.urandom(1024)))
    assert refused.value.reason == "credential_id"


@pytest.mark.parametrize(
    ("bend", "reason"),
    [
        ({"origin": "https://evil.test"}, "origin"),
        ({"rp_id": "evil.test"}, "rp_id"),
        ({"type": "webauthn.create"}, "type"),
        ({"up": False}, "user_presence"),
        ({"uv": False}, "user_verification"),
        ({"cross_origin": True}, "cross_origin"),
        ({"challenge": b64(os.urandom(32))}, "challenge"),
    ],
)
def test_a_bent_assertion_is_refused(
    ceremonies: PyWebAuthnCeremonies, bend: dict[str, Any], reason: str
) -> None:
    authenticator = SoftAuthenticator()
    new = registered(ceremonies, authenticator)
    challenge = os.urandom(32)
    assertion = authenticator.get(request(ceremonies, challenge), **bend)
    with pytest.raises(CeremonyRejectedError) as refused:
        ceremonies.verify_assertion(
            assertion,
            challenge=challenge,
            public_key=new.public_key,
            require_user_verification=True,
        )
    assert refused.value.reason == reason


def test_without_required_verification_up_alone_passes(ceremonies: PyWebAuthnCeremonies) -> None:
    authenticator = SoftAuthenticator(uv=False)
    new = registered(ceremonies, authenticator)
    challenge = os.urandom(32)
    assertion = authenticator.get(request(ceremonies, challenge))
    verified = ceremonies.verify_assertion(
        assertion, challenge=challenge, public_key=new.public_key, require_user_verification=False
    )
    assert verified.user_verified is False


def test_another_keys_signature_is_refused(ceremonies: PyWebAuthnCeremonies) -> None:
    authenticator = SoftAuthenticator()
    registered(ceremonies, authenticator)
    impostor = registered(ceremonies, SoftAuthenticator())
    challenge = os.urandom(32)
    assertion = authenticator.get(request(ceremonies, challenge))
    with pytest.raises(CeremonyRejectedError) as refused:
        ceremonies.verify_assertion(
            assertion,
            challenge=challenge,
            public_key=impostor.public_key,
            require_user_verification=True,
        )
    assert refused.value.reason == "signature"


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": 1, "rawId": 2},
        {"id": "a", "rawId": "a", "type": "public-key", "response": "x"},
        {"id": "!!", "rawId": "!!", "type": "public-key", "response": {}},
        {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {
                "clientDataJSON": "bm90IGpzb24",
                "authenticatorData": "AAAA",
                "signature": "AAAA",
                "attestationObject": "AAAA",
            },
        },
    ],
)
def test_malformed_credentials_are_refused_not_crashes(
    ceremonies: PyWebAuthnCeremonies, credential: dict[str, Any]
) -> None:
    for attempt in (
        lambda: ceremonies.verify_registration(credential, challenge=os.urandom(32)),
        lambda: ceremonies.verify_assertion(
            credential,
            challenge=os.urandom(32),
            public_key=os.urandom(77),
            require_user_verification=True,
        ),
    ):
        with pytest.raises(CeremonyRejectedError):
            attempt()


@pytest.mark.parametrize(
    "credential",
    [{}, {"id": 1, "rawId": 2}, {"id": "AAAA", "rawId": "AAAA", "response": {}}],
)
def test_an_assertion_that_does_not_parse_names_no_credential(
    ceremonies: PyWebAuthnCeremonies, credential: dict[str, Any]
) -> None:
    with pytest.raises(CeremonyRejectedError) as refused:
        ceremonies.read_assertion(credential)
    assert refused.value.reason == "malformed"
