"""A software authenticator and the browser around it, for tests: it answers creation and
request options with what ``PublicKeyCredential.toJSON()`` would send.

Real crypto (``cryptography``) and real CBOR (``cbor2``); every part an attacker could
bend is a switch: user presence and verification, the backup flags, the counter, the
origin, the RP ID, the client-data type, the user handle, the algorithm, cross-origin.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

ES256, EDDSA, RS256, ES384 = -7, -8, -257, -35
UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40
ORIGIN = "http://localhost:8000"
RP_ID = "localhost"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


@dataclass
class SoftAuthenticator:
    """One credential. ``counting=False`` is a synced passkey that always reports 0."""

    alg: int = ES256
    counter: int = 0
    counting: bool = True
    uv: bool = True
    up: bool = True
    be: bool = True
    bs: bool = True
    rp_id: str = RP_ID
    origin: str = ORIGIN
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    user_handle: bytes | None = None
    transports: tuple[str, ...] = ("internal", "hybrid")
    _key: Any = None

    def __post_init__(self) -> None:
        if self.alg == ES256:
            self._key = ec.generate_private_key(ec.SECP256R1())
        elif self.alg == ES384:
            self._key = ec.generate_private_key(ec.SECP384R1())
        elif self.alg == EDDSA:
            self._key = ed25519.Ed25519PrivateKey.generate()
        elif self.alg == RS256:
            self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            raise ValueError(f"unsupported algorithm {self.alg}")

    @property
    def id(self) -> str:
        return b64(self.credential_id)

    # --- ceremonies ------------------------------------------------------------------
    def create(self, options: dict[str, Any], **bend: Any) -> dict[str, Any]:
        """Answer creation options. ``bend`` overrides ``origin``, ``rp_id``, ``type``,
        ``challenge``, ``up``, ``uv``, ``be``, ``bs``, ``cross_origin``, ``raw_id``."""
        self.user_handle = unb64(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], bend)
        attested = (
            bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
        ) + cbor2.dumps(self._cose_key())
        auth_data = self._auth_data(bend, extra_flags=AT) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        raw_id = bend.get("raw_id", self.credential_id)
        return {
            "id": b64(raw_id),
            "rawId": b64(raw_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": list(self.transports),
            },
        }

    def get(self, options: dict[str, Any], **bend: Any) -> dict[str, Any]:
        """Answer request options. ``bend`` overrides as ``create`` does, plus ``counter``
        (sent as is, and kept) and ``user_handle`` (None sends none)."""
        if "counter" in bend:
            self.counter = bend["counter"]
        elif self.counting:
            self.counter += 1
        client_data = self._client_data("webauthn.get", options["challenge"], bend)
        auth_data = self._auth_data(bend)
        signature = self._sign(auth_data + hashlib.sha256(client_data).digest())
        handle = bend.get("user_handle", self.user_handle)
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": b64(handle) if handle is not None else None,
            },
        }

    # --- parts -----------------------------------------------------------------------
    def _client_data(self, kind: str, challenge: str, bend: dict[str, Any]) -> bytes:
        data: dict[str, Any] = {
            "type": bend.get("type", kind),
            "challenge": bend.get("challenge", challenge),
            "origin": bend.get("origin", self.origin),
            "crossOrigin": bend.get("cross_origin", False),
        }
        return json.dumps(data).encode()

    def _auth_data(self, bend: dict[str, Any], extra_flags: int = 0) -> bytes:
        flags = extra_flags
        for flag, name in ((UP, "up"), (UV, "uv"), (BE, "be"), (BS, "bs")):
            if bend.get(name, getattr(self, name)):
                flags |= flag
        rp_hash = hashlib.sha256(bend.get("rp_id", self.rp_id).encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.counter)

    def _cose_key(self) -> dict[int, Any]:
        public = self._key.public_key()
        if self.alg in (ES256, ES384):
            numbers = public.public_numbers()
            size = 32 if self.alg == ES256 else 48
            curve = 1 if self.alg == ES256 else 2
            x, y = numbers.x.to_bytes(size, "big"), numbers.y.to_bytes(size, "big")
            return {1: 2, 3: self.alg, -1: curve, -2: x, -3: y}
        if self.alg == EDDSA:
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

            return {1: 1, 3: EDDSA, -1: 6, -2: public.public_bytes(Encoding.Raw, PublicFormat.Raw)}
        numbers = public.public_numbers()
        return {1: 3, 3: RS256, -1: _int_bytes(numbers.n), -2: _int_bytes(numbers.e)}

    def _sign(self, data: bytes) -> bytes:
        if self.alg == ES256:
            return self._key.sign(data, ec.ECDSA(hashes.SHA256()))
        if self.alg == ES384:
            return self._key.sign(data, ec.ECDSA(hashes.SHA384()))
        if self.alg == EDDSA:
            return self._key.sign(data)
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
