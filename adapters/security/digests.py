"""Digests of tokens and codes, so Redis and the database never hold them in clear."""

from __future__ import annotations

import hashlib
import hmac

from application.ports.security import Digester

MIN_KEY_BYTES = 16


class HmacDigester(Digester):
    """Plain SHA-256 for high-entropy tokens; HMAC-SHA-256 for guessable values.

    A 6-digit code has a million values: a plain hash of it is reversed by enumeration, so
    ``keyed`` mixes in a secret, with one subkey per purpose (``HMAC(key, purpose)``) so a
    digest made for one purpose never matches in another.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the digest key needs at least {MIN_KEY_BYTES} bytes")
        self._key = key
        self._subkeys: dict[str, bytes] = {}

    def digest(self, token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def keyed(self, value: str, purpose: str) -> str:
        subkey = self._subkeys.get(purpose)
        if subkey is None:
            subkey = self._subkeys.setdefault(purpose, self._derive(purpose))
        return hmac.new(subkey, value.encode(), hashlib.sha256).hexdigest()

    def same(self, a: str, b: str) -> bool:
        return hmac.compare_digest(a.encode(), b.encode())

    def _derive(self, purpose: str) -> bytes:
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).digest()
