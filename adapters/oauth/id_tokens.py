"""Checking an OIDC id_token (Google, Apple) before anything in it is believed (SECURITY
OA-03): the algorithm is RS256 or ES256 (never ``none`` or an HMAC, whatever the header
says), the signature verifies with the provider's key the header names, ``iss`` is exactly
the issuer of the discovery document, ``aud`` is our client id (and with several
audiences ``azp`` is too), ``exp`` is in the future and ``iat`` not in it (60 s leeway),
and ``nonce`` is the one this flow stored."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any, TypeGuard

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError

from adapters.oauth.jwks import KeySetCache
from adapters.oauth.transport import Budget
from application.ports.providers import IdentityRejectedError

ALGORITHMS = ("RS256", "ES256")
LEEWAY = 60
MAX_TOKEN_LENGTH = 16 * 1024


class IdTokenVerifier:
    def __init__(
        self, keys: KeySetCache, client_id: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._keys = keys
        self._client_id = client_id
        self._clock = clock

    def verify(self, token: str, *, issuer: str, nonce: str, budget: Budget) -> dict[str, Any]:
        """The claims, or ``IdentityRejectedError`` with the check that failed."""
        header = _header(token)
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise IdentityRejectedError("algorithm")
        kid = header.get("kid")
        key = self._keys.key_for(kid if isinstance(kid, str) else None, budget)
        if key is None:
            raise IdentityRejectedError("signature")
        try:
            claims: dict[str, Any] = dict(jwt.decode(token, key, algorithms=[algorithm]).claims)
        except BadSignatureError:
            raise IdentityRejectedError("signature") from None
        except (JoseError, ValueError, TypeError):
            raise IdentityRejectedError("malformed") from None
        self._check(claims, issuer, nonce)
        return claims

    def _check(self, claims: dict[str, Any], issuer: str, nonce: str) -> None:
        now = self._clock()
        if claims.get("iss") != issuer:
            raise IdentityRejectedError("issuer")
        if not _for_us(claims, self._client_id):
            raise IdentityRejectedError("audience")
        expires, issued = claims.get("exp"), claims.get("iat")
        if not _number(expires) or expires + LEEWAY <= now:
            raise IdentityRejectedError("expired")
        if not _number(issued) or issued - LEEWAY > now:
            raise IdentityRejectedError("claims")
        presented = claims.get("nonce")
        if not isinstance(presented, str) or not hmac.compare_digest(
            presented.encode(), nonce.encode()
        ):
            raise IdentityRejectedError("nonce")


def _header(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise IdentityRejectedError("malformed")
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, TypeError):
        raise IdentityRejectedError("malformed") from None
    return dict(header)


def _for_us(claims: dict[str, Any], client_id: str) -> bool:
    audience = claims.get("aud")
    if isinstance(audience, str):
        return audience == client_id
    if isinstance(audience, list) and client_id in audience:
        return len(audience) == 1 or claims.get("azp") == client_id
    return False


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
