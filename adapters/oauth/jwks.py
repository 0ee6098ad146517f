"""A provider's signing keys (JWKS), cached per provider. A token naming a key id the cache
does not hold makes at most one fetch a minute (SECURITY OA-03, FI-14): a provider that
rotated its keys is followed within a minute, and a flood of made-up key ids costs the
provider one request a minute, not one each."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from adapters.oauth.transport import Budget
from application.ports.providers import ProviderUnavailableError

REFETCH_INTERVAL = 60.0
PublicKey = RSAKey | ECKey


class KeySetCache:
    def __init__(
        self,
        fetch: Callable[[Budget], Any],
        refetch_interval: float = REFETCH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._interval = refetch_interval
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str | None, PublicKey] | None = None
        self._fetched_at = 0.0
        self.fetches = 0
        """How many times the set was fetched (for tests and metrics)."""

    def key_for(self, kid: str | None, budget: Budget) -> PublicKey | None:
        """The public key ``kid`` names, fetching the set the first time and again (at
        most once a minute) when it names a key the cache does not hold; None when
        there is no such key. A token without ``kid`` matches only a set of one key."""
        with self._lock:
            if self._keys is None:
                self._refresh(budget)
            found = self._find(kid)
            if found is None and self._clock() - self._fetched_at >= self._interval:
                self._refresh(budget)
                found = self._find(kid)
            return found

    def _find(self, kid: str | None) -> PublicKey | None:
        keys = self._keys or {}
        if kid is None:
            return next(iter(keys.values())) if len(keys) == 1 else None
        return keys.get(kid)

    def _refresh(self, budget: Budget) -> None:
        self._fetched_at = self._clock()  # a failed fetch waits its minute too
        self.fetches += 1
        document = self._fetch(budget)
        self._keys = parse_key_set(document)


def parse_key_set(document: Any) -> dict[str | None, PublicKey]:
    """The RSA and EC public keys of a JWKS document by key id; others are skipped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ProviderUnavailableError("malformed")
    usable = [
        entry
        for entry in document["keys"]
        if isinstance(entry, dict) and entry.get("kty") in {"RSA", "EC"} and "d" not in entry
    ]
    try:
        key_set = KeySet.import_key_set({"keys": usable})
    except (JoseError, ValueError, TypeError):
        raise ProviderUnavailableError("malformed") from None
    return {key.kid: key for key in key_set.keys if isinstance(key, RSAKey | ECKey)}
