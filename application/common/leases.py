"""Units of a shared rate-limit bucket bought in advance, a few at a time, per process.

The API-wide limit (``Rule.API``) is charged on every request. Buying ``size`` units in
one step and spending them locally for up to ``valid_for`` takes that Redis round trip
off most requests, and the shared bucket still counts every unit: a client never gets
more than the limit, and at most ``size - 1`` fewer per process (units bought and not
spent in time are lost). Near the limit, when ``size`` units no longer fit, requests are
charged one by one again, so the limit is reached exactly.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

MAX_KEYS = 10_000


class Leases:
    def __init__(self, size: int = 8, valid_for: timedelta = timedelta(seconds=1)) -> None:
        self.size = size
        self._valid_for = valid_for
        self._lock = threading.Lock()
        self._held: dict[str, tuple[int, datetime]] = {}

    def take(self, key: str, at: datetime) -> bool:
        """Spend one unit bought earlier; False when none is left or they expired."""
        with self._lock:
            units, until = self._held.get(key, (0, at))
            if units <= 0 or at >= until:
                return False
            self._held[key] = (units - 1, until)
            return True

    def keep(self, key: str, units: int, at: datetime) -> None:
        """Hold ``units`` bought just now (the oldest holding goes when too many)."""
        with self._lock:
            self._held.pop(key, None)
            if len(self._held) >= MAX_KEYS:
                del self._held[next(iter(self._held))]
            self._held[key] = (units, at + self._valid_for)
