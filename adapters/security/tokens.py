"""HS256 access tokens (SECURITY JW-01..JW-04)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from application.ports.security import AccessClaims, AccessTokenCodec
from application.ports.system import Clock
from domain.errors import InvalidTokenError
from domain.ids import SessionId, UserId
from domain.sessions import AuthMethod

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
MAX_LEEWAY_SECONDS = 30
REQUIRED = ["exp", "nbf", "iat", "iss", "aud", "sub", "jti", "sid"]
_ALLOWED_HEADER = {"alg", "typ"}


class JwtAccessTokenCodec(AccessTokenCodec):
    """Pinned to HS256; the header may hold ``alg`` and ``typ: JWT`` and nothing else.

    Times come from the claims when issuing (the caller read its clock) and from ``clock``
    when verifying, so tests can move time: PyJWT's own ``exp``/``nbf``/``iat`` checks read
    the real clock and are switched off in favour of the same checks below. Every failure,
    whatever its cause, is one ``InvalidTokenError``.

    Revocation is not the token's business: the session check that follows every
    verification answers it.
    """

    def __init__(
        self,
        secret: bytes,
        issuer: str,
        audience: str,
        lifetime_seconds: int,
        leeway_seconds: int = 30,
        *,
        clock: Clock,
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret needs at least {MIN_SECRET_BYTES} bytes")
        if not 0 <= leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ValueError(f"the JWT leeway must be within 0..{MAX_LEEWAY_SECONDS} seconds")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._clock = clock
        self._jwt = jwt.PyJWT(options={"enforce_minimum_key_length": True})
        self.lifetime_seconds = lifetime_seconds

    def issue(self, claims: AccessClaims) -> str:
        if claims.expires_at <= claims.issued_at:
            raise ValueError("an access token must expire after it is issued")
        issued_at = int(claims.issued_at.timestamp())
        payload = {
            "iss": self._issuer,
            "sub": str(claims.user_id),
            "aud": self._audience,
            "exp": int(claims.expires_at.timestamp()),
            "nbf": issued_at,
            "iat": issued_at,
            "jti": claims.token_id,
            "sid": str(claims.session_id),
            "user_id": str(claims.user_id),
            "user_email": claims.email,
            "role": claims.role,
            "amr": [method.value for method in claims.methods],
        }
        return self._jwt.encode(payload, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        try:
            decoded = self._jwt.decode_complete(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": REQUIRED,
                    "strict_aud": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
            _check_header(decoded["header"])
            payload = decoded["payload"]
            self._check_times(_Window.of(payload, timedelta(seconds=self._leeway)))
            return _claims(payload)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError, OSError) as exc:
            raise InvalidTokenError() from exc

    def _check_times(self, window: _Window) -> None:
        now = self._clock.now()
        if now >= window.until:
            raise jwt.ExpiredSignatureError("expired")
        if now < window.since:
            raise jwt.ImmatureSignatureError("not yet valid")


@dataclass(frozen=True, slots=True)
class _Window:
    """When a token may be used, leeway included: from the later of ``nbf`` and ``iat``,
    until ``exp``."""

    since: datetime
    until: datetime

    @staticmethod
    def of(payload: dict[str, Any], leeway: timedelta) -> _Window:
        starts = max(_instant(payload["nbf"]), _instant(payload["iat"]))
        return _Window(since=starts - leeway, until=_instant(payload["exp"]) + leeway)


def _check_header(header: dict[str, Any]) -> None:
    """Keys are never named by the token (``jwk``, ``jku``, ``x5u``, ``x5c``, ``kid``) and no
    extension is honoured (``crit``, ``b64``): anything beyond ``alg`` and ``typ`` fails."""
    if set(header) - _ALLOWED_HEADER:
        raise jwt.InvalidTokenError("unexpected header parameter")
    if header.get("alg") != ALGORITHM or header.get("typ", "JWT") != "JWT":
        raise jwt.InvalidTokenError("unexpected algorithm or type")


def _claims(payload: dict[str, Any]) -> AccessClaims:
    user_id = _text(payload, "user_id")
    if _text(payload, "sub") != user_id:
        raise ValueError("sub and user_id differ")
    methods = payload["amr"]
    if not isinstance(methods, list):
        raise TypeError("amr is not a list")
    return AccessClaims(
        user_id=UserId(UUID(user_id)),
        session_id=SessionId(UUID(_text(payload, "sid"))),
        email=_text(payload, "user_email"),
        role=_text(payload, "role"),
        methods=tuple(AuthMethod(method) for method in methods),
        token_id=_text(payload, "jti"),
        issued_at=_instant(payload["iat"]),
        expires_at=_instant(payload["exp"]),
    )


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload[name]
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} is not a non-empty string")
    return value


def _instant(value: object) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("a NumericDate claim is not an integer")
    return datetime.fromtimestamp(value, UTC)
