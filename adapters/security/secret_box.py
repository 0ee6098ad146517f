"""Authenticated encryption for secrets at rest and queued payloads (CR-03, CR-04)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.ports.security import SecretBox

FERNET_KEY_BYTES = 32
MIN_SECRET_BYTES = 32
_HKDF_INFO = b"bastion/secret-box/fernet/v1"


class FernetSecretBox(SecretBox):
    """Fernet (AES-128-CBC + HMAC-SHA-256) over a key ring, newest key first.

    ``seal`` always uses the first key; ``open`` tries each in turn, so a rotated-out key
    keeps opening old values until they are re-sealed. Fernet tokens carry no key id, so
    opening costs one HMAC check per key tried. A ring entry is either a Fernet key
    (URL-safe base64 of 32 bytes) or any other secret of at least 32 bytes, from which a
    Fernet key is derived with HKDF-SHA-256 (fixed info, no salt): the same secret always
    gives the same key, so such entries rotate like Fernet keys.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("the secret box needs at least one key")
        self._ring = MultiFernet([Fernet(fernet_key(key)) for key in keys])

    def seal(self, plaintext: bytes) -> str:
        return self._ring.encrypt(plaintext).decode("ascii")

    def open(self, sealed: str) -> bytes:
        try:
            return self._ring.decrypt(sealed.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise ValueError("the sealed value cannot be opened") from exc

    def reseal(self, sealed: str) -> str:
        try:
            return self._ring.rotate(sealed.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise ValueError("the sealed value cannot be opened") from exc


def fernet_key(secret: str) -> bytes:
    """A Fernet key as given, or one derived from a longer secret."""
    raw = secret.strip().encode()
    if _is_fernet_key(raw):
        return raw
    if len(raw) < MIN_SECRET_BYTES:
        raise ValueError(
            f"an encryption key must be a Fernet key or a secret of {MIN_SECRET_BYTES}+ bytes"
        )
    hkdf = HKDF(algorithm=hashes.SHA256(), length=FERNET_KEY_BYTES, salt=None, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(raw))


def _is_fernet_key(raw: bytes) -> bool:
    try:
        decoded = base64.urlsafe_b64decode(raw)
    except (binascii.Error, ValueError):
        return False
    return len(decoded) == FERNET_KEY_BYTES and base64.urlsafe_b64encode(decoded) == raw
