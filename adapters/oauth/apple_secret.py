"""Apple's client secret: an ES256 JWT Bastion signs with the private key Apple issued
(header ``kid`` = the key id; ``iss`` the team id, ``sub`` the client id, ``aud`` Apple's
issuer). Apple accepts one for up to six months; Bastion makes one valid for an hour and
makes the next at half-life, so a leaked one is short-lived and none expires mid-request.
It is sent as ``client_secret_post``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from joserfc import jwt
from joserfc.jwk import ECKey

SECRET_LIFETIME = 3600


class AppleClientSecret:
    def __init__(
        self,
        *,
        team_id: str,
        key_id: str,
        client_id: str,
        private_key_pem: bytes,
        audience: Callable[[], str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._team_id = team_id
        self._key_id = key_id
        self._client_id = client_id
        self._key = ECKey.import_key(private_key_pem)
        self._audience = audience
        """Apple's issuer, from the discovery document (``https://appleid.apple.com``)."""
        self._clock = clock
        self._lock = threading.Lock()
        self._secret = ""
        self._issued_at = 0.0

    def current(self) -> str:
        with self._lock:
            now = self._clock()
            if not self._secret or now - self._issued_at >= SECRET_LIFETIME / 2:
                self._secret = self._make(int(now))
                self._issued_at = now
            return self._secret

    def _make(self, now: int) -> str:
        header = {"alg": "ES256", "kid": self._key_id}
        claims = {
            "iss": self._team_id,
            "sub": self._client_id,
            "aud": self._audience(),
            "iat": now,
            "exp": now + SECRET_LIFETIME,
        }
        return jwt.encode(header, claims, self._key, algorithms=["ES256"])
