"""WebAuthn ceremonies on py_webauthn 3.

py_webauthn checks type, challenge, origin, rpIdHash, flags, algorithm and signature; it
does not remember challenges and defaults to not requiring user verification (both are
the caller's job here, SECURITY WA-01, WA-03). This adapter adds what it leaves out: the
attested credential id must be the one the client names and at most 1023 bytes, and a
``crossOrigin`` or ``topOrigin`` ceremony (an iframe on another site) is refused (WA-02).
Whatever the library raises on hostile input becomes ``CeremonyRejectedError``, never a
crash.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import options_to_json_dict
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import InvalidBackupFlags
from webauthn.helpers.parse_authentication_credential_json import (
    parse_authentication_credential_json,
)
from webauthn.helpers.parse_registration_credential_json import parse_registration_credential_json
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from application.ports.webauthn import (
    AssertionClaim,
    CeremonyRejectedError,
    CredentialJson,
    NewCredential,
    OptionsJson,
    PasskeyCeremonies,
    UserVerification,
    VerifiedAssertion,
)
from domain.passkeys import MAX_CREDENTIAL_ID_BYTES, Descriptor, DeviceType

log = logging.getLogger("bastion.webauthn")
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
"""ES256, EdDSA, RS256: what passkey providers and security keys use (WA-05)."""
TIMEOUT_MS = 300_000
_TRANSPORTS = {transport.value: transport for transport in AuthenticatorTransport}
_REASONS = (
    ("client data type", "type"),
    ("client data origin", "origin"),
    ("challenge", "challenge"),
    ("rp id", "rp_id"),
    ("user presence", "user_presence"),
    ("user was not present", "user_presence"),
    ("user verification", "user_verification"),
    ("alg", "algorithm"),
    ("signature", "signature"),
)


class PyWebAuthnCeremonies(PasskeyCeremonies):
    def __init__(self, rp_id: str, rp_name: str, origins: Sequence[str]) -> None:
        if not origins:
            raise ValueError("WebAuthn needs at least one expected origin")
        self.rp_id = rp_id
        self._rp_name = rp_name
        self._origins = list(origins)

    def creation_options(
        self,
        *,
        challenge: bytes,
        user_handle: bytes,
        user_name: str,
        display_name: str,
        exclude: Sequence[Descriptor],
    ) -> OptionsJson:
        options = generate_registration_options(
            rp_id=self.rp_id,
            rp_name=self._rp_name,
            user_name=user_name,
            user_id=user_handle,
            user_display_name=display_name,
            challenge=challenge,
            timeout=TIMEOUT_MS,
            attestation=AttestationConveyancePreference.NONE,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
            exclude_credentials=[_descriptor(d) for d in exclude],
            supported_pub_key_algs=ALGORITHMS,
        )
        return _plain(options_to_json_dict(options))

    def request_options(
        self, *, challenge: bytes, allow: Sequence[Descriptor], user_verification: UserVerification
    ) -> OptionsJson:
        options = generate_authentication_options(
            rp_id=self.rp_id,
            challenge=challenge,
            timeout=TIMEOUT_MS,
            allow_credentials=[_descriptor(d) for d in allow],
            user_verification=UserVerificationRequirement(user_verification.value),
        )
        return _plain(options_to_json_dict(options))

    def verify_registration(self, credential: CredentialJson, *, challenge: bytes) -> NewCredential:
        parsed = _parse(parse_registration_credential_json, credential)
        _refuse_cross_origin(parsed.response.client_data_json)
        try:
            verified = verify_registration_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self._origins,
                require_user_presence=True,
                supported_pub_key_algs=ALGORITHMS,
            )
        except Exception as error:  # the library raises many kinds on hostile input
            raise _rejected("registration", error) from None
        if verified.credential_id != parsed.raw_id:
            raise CeremonyRejectedError("credential_id")
        if len(verified.credential_id) > MAX_CREDENTIAL_ID_BYTES:
            raise CeremonyRejectedError("credential_id")
        multi = verified.credential_device_type is CredentialDeviceType.MULTI_DEVICE
        return NewCredential(
            id=verified.credential_id,
            public_key=verified.credential_public_key,
            counter=verified.sign_count,
            device_type=DeviceType.MULTI_DEVICE if multi else DeviceType.SINGLE_DEVICE,
            backed_up=verified.credential_backed_up,
            transports=tuple(t.value for t in parsed.response.transports or ()),
        )

    def read_assertion(self, credential: CredentialJson) -> AssertionClaim:
        parsed = _parse(parse_authentication_credential_json, credential)
        if not parsed.raw_id or len(parsed.raw_id) > MAX_CREDENTIAL_ID_BYTES:
            raise CeremonyRejectedError("malformed")
        return AssertionClaim(credential_id=parsed.raw_id, user_handle=parsed.response.user_handle)

    def verify_assertion(
        self,
        credential: CredentialJson,
        *,
        challenge: bytes,
        public_key: bytes,
        require_user_verification: bool,
    ) -> VerifiedAssertion:
        parsed = _parse(parse_authentication_credential_json, credential)
        _refuse_cross_origin(parsed.response.client_data_json)
        try:
            verified = verify_authentication_response(
                credential=parsed,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self._origins,
                credential_public_key=public_key,
                credential_current_sign_count=0,  # judged by the caller (domain rule)
                require_user_verification=require_user_verification,
            )
        except Exception as error:  # the library raises many kinds on hostile input
            raise _rejected("authentication", error) from None
        return VerifiedAssertion(
            counter=verified.new_sign_count,
            backed_up=verified.credential_backed_up,
            user_verified=verified.user_verified,
        )


def _plain(options: dict[str, Any]) -> OptionsJson:
    """Plain JSON values (the library leaves its enums in, e.g. ``alg``)."""
    plain: OptionsJson = json.loads(json.dumps(options))
    return plain


def _descriptor(descriptor: Descriptor) -> PublicKeyCredentialDescriptor:
    known = [_TRANSPORTS[t] for t in descriptor.transports if t in _TRANSPORTS]
    return PublicKeyCredentialDescriptor(id=descriptor.id, transports=known or None)


def _parse(parser: Any, credential: CredentialJson) -> Any:
    try:
        return parser(dict(credential))
    except Exception:  # malformed JSON structure, bad base64url, wrong types
        raise CeremonyRejectedError("malformed") from None


def _refuse_cross_origin(client_data_json: bytes) -> None:
    """py_webauthn reads ``crossOrigin`` but never refuses it, and ignores ``topOrigin``."""
    try:
        client_data = json.loads(client_data_json)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
        raise CeremonyRejectedError("malformed") from None
    if not isinstance(client_data, dict):
        raise CeremonyRejectedError("malformed")
    if client_data.get("crossOrigin") not in (None, False) or "topOrigin" in client_data:
        raise CeremonyRejectedError("cross_origin")


def _rejected(ceremony: str, error: Exception) -> CeremonyRejectedError:
    """A fixed reason word from the library's message (which may quote client text, so it
    is logged at debug level only and never returned)."""
    if isinstance(error, InvalidBackupFlags):
        reason = "backup_flags"
    else:
        text = str(error).lower()
        reason = next((word for needle, word in _REASONS if needle in text), "malformed")
    log.debug("webauthn %s refused: %s", ceremony, reason)
    return CeremonyRejectedError(reason)
