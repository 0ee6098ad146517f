"""The one module that may use :mod:`secrets`: every random token and code comes from here."""

from __future__ import annotations

import secrets

from application.ports.security import SecretGenerator

MIN_TOKEN_BYTES = 16


class SystemSecretGenerator(SecretGenerator):
    def token(self, nbytes: int = 32) -> str:
        if nbytes < MIN_TOKEN_BYTES:
            raise ValueError("a token needs at least 16 bytes (128 bits) of entropy")
        return secrets.token_urlsafe(nbytes)

    def random_bytes(self, nbytes: int) -> bytes:
        if nbytes < MIN_TOKEN_BYTES:
            raise ValueError("random bytes for a challenge or handle need at least 16 of them")
        return secrets.token_bytes(nbytes)

    def numeric_code(self, digits: int = 6) -> str:
        """Uniform over ``10**digits`` values, zero-padded, so every code has ``digits`` digits."""
        if digits < 1:
            raise ValueError("a code needs at least one digit")
        return str(secrets.randbelow(10**digits)).zfill(digits)

    def text(self, length: int, alphabet: str) -> str:
        """``length`` characters drawn uniformly from ``alphabet`` (backup codes)."""
        if length < 1 or len(set(alphabet)) < 2:  # noqa: PLR2004
            raise ValueError("need a positive length and at least two distinct characters")
        return "".join(secrets.choice(alphabet) for _ in range(length))
