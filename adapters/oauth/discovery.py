"""An OIDC provider's discovery document, read once and kept for an hour: the issuer every
id_token must name, and the endpoints. Read again only when it is older than that."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.oauth.transport import Budget, ProviderHttp
from application.ports.providers import ProviderUnavailableError

METADATA_LIFETIME = 3600.0
_REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


@dataclass(frozen=True, slots=True)
class OidcMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class Discovery:
    def __init__(
        self,
        url: str,
        http: ProviderHttp,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._http = http
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._metadata: OidcMetadata | None = None
        self._read_at = 0.0

    def metadata(self, budget: Budget | None = None) -> OidcMetadata:
        with self._lock:
            fresh = self._clock() - self._read_at < METADATA_LIFETIME
            if self._metadata is None or not fresh:
                document = self._http.get_json(self._url, budget or Budget(self._timeout))
                self._metadata = _parse(document)
                self._read_at = self._clock()
            return self._metadata


def _parse(document: Any) -> OidcMetadata:
    if not isinstance(document, dict):
        raise ProviderUnavailableError("malformed")
    values = [document.get(name) for name in _REQUIRED]
    if not all(isinstance(value, str) and value for value in values):
        raise ProviderUnavailableError("malformed")
    issuer, authorize, token, jwks = values
    return OidcMetadata(str(issuer), str(authorize), str(token), str(jwks))
