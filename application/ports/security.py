"""Cryptography behind ports: hashing, tokens, secrets, sealing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.ids import SessionId, UserId
from domain.passwords import PasswordHash
from domain.sessions import AuthMethod, NetworkInfo


class PasswordHasher(Protocol):
    def hash(self, password: str) -> PasswordHash:
        """bcrypt over a keyed pre-hash: any length or script works, nothing truncates."""
        ...

    def verify(self, password: str, stored: PasswordHash | None) -> bool:
        """Constant in cost: with ``stored=None`` (unknown user, no password) a dummy
        hash of the current cost is checked so both paths take the same time. Raises
        ``UnavailableError`` when too many checks already run in this process."""
        ...

    def needs_rehash(self, stored: PasswordHash) -> bool:
        """True when the scheme or the bcrypt cost differs from the current setting."""
        ...


class PasswordBlocklist(Protocol):
    def reason(self, password: str) -> str | None:
        """ "common" or "breached" when the password is on a shipped list, else None."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessClaims:
    user_id: UserId
    session_id: SessionId
    email: str
    role: str
    methods: tuple[AuthMethod, ...]
    token_id: str
    issued_at: datetime
    expires_at: datetime


class AccessTokenCodec(Protocol):
    lifetime_seconds: int

    def issue(self, claims: AccessClaims) -> str: ...

    def verify(self, token: str) -> AccessClaims:
        """Pinned algorithm, required claims, issuer and audience checked; raises
        ``InvalidTokenError`` on anything else. Says nothing about revocation."""
        ...


class SecretGenerator(Protocol):
    def token(self, nbytes: int = 32) -> str:
        """URL-safe random text with ``nbytes`` bytes of entropy."""
        ...

    def numeric_code(self, digits: int = 6) -> str: ...

    def random_bytes(self, nbytes: int) -> bytes:
        """``nbytes`` random bytes (WebAuthn challenges and user handles), at least 16."""
        ...

    def text(self, length: int, alphabet: str) -> str:
        """``length`` characters drawn uniformly from ``alphabet``."""
        ...


class Digester(Protocol):
    def digest(self, token: str) -> str:
        """SHA-256 hex of a high-entropy token (refresh, reset): enough to find and compare."""
        ...

    def keyed(self, value: str, purpose: str) -> str:
        """Keyed HMAC for low-entropy values (6-digit codes), one subkey per purpose."""
        ...

    def same(self, a: str, b: str) -> bool:
        """Constant-time comparison."""
        ...


class NetworkHasher(Protocol):
    def network_of(self, ip: str) -> NetworkInfo:
        """Keyed hash of the address plus a masked prefix (IPv4 /24, IPv6 /48)."""
        ...

    def limiter_key(self, ip: str) -> str:
        """A short keyed hash of the address (IPv6 grouped by /64) for rate-limit keys,
        so no raw IP reaches the limiter's store."""
        ...


class SecretBox(Protocol):
    """Authenticated encryption with a key ring: the newest key seals, every key opens."""

    def seal(self, plaintext: bytes) -> str: ...

    def open(self, sealed: str) -> bytes:
        """Raises ``ValueError`` when no key opens it or it was tampered with."""
        ...

    def reseal(self, sealed: str) -> str:
        """The same plaintext sealed under the newest key (``ValueError`` as ``open``)."""
        ...


class TotpAlgorithm(Protocol):
    """RFC 6238: 30-second steps, 6 digits, SHA-1 (what every authenticator app speaks)."""

    def new_secret(self) -> str:
        """A base32 secret of 160 random bits."""
        ...

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        """The ``otpauth://totp/...`` URI an authenticator app scans."""
        ...

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time-step within one step of ``at`` (T-1, T, T+1) whose code is ``code``,
        compared in constant time; None when no step in that window matches."""
        ...


class QrRenderer(Protocol):
    def svg(self, data: str) -> str:
        """A self-contained SVG document of the QR code for ``data``."""
        ...


def method_names(methods: Sequence[AuthMethod]) -> list[str]:
    return [m.value for m in methods]
