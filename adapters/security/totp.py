"""Authenticator-app codes (RFC 6238) with pyotp: 30-second steps, 6 digits, SHA-1."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from application.ports.security import TotpAlgorithm

STEP_SECONDS = 30
DIGITS = 6
SECRET_LENGTH = 32  # base32 characters: 160 bits, RFC 4226's recommended key size
WINDOW = (-1, 0, 1)


class PyOtpTotp(TotpAlgorithm):
    """Accepts the step of ``at`` and one on either side, for clock drift and a code typed
    as it rolls over. The time is always the server's, never one a client sends. All three
    candidates are compared, each with ``hmac.compare_digest``, so the time taken says
    neither whether nor where a code matched."""

    def new_secret(self) -> str:
        return pyotp.random_base32(SECRET_LENGTH)

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """Raises ``ValueError`` for a naive ``at``; a code that is not 6 ASCII digits
        matches nothing."""
        if at.tzinfo is None:
            raise ValueError("the time must be timezone-aware")
        if len(code) != DIGITS or not (code.isascii() and code.isdigit()):
            return None
        totp, now = _totp(secret), int(at.timestamp()) // STEP_SECONDS
        matched: int | None = None
        for step in (now + offset for offset in WINDOW):
            expected = totp.generate_otp(step) if step >= 0 else ""
            if hmac.compare_digest(expected.encode(), code.encode()):
                matched = step
        return matched


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
