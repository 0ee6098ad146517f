"""Units of a shared rate-limit bucket bought in advance, per process, for busy clients.

The API-wide limit (``Rule.API``) is charged on every request. For a client this process
has seen more than ``busy`` times within ``window``, a lease of units is bought in one
step and spent locally, which takes that Redis round trip off most of its requests;
every other client is charged one unit a request, as before. The caller sizes the lease
(:func:`lease_size`: 1 % of the limit, at least 8, at most 64). Bought units are paid
for: the shared bucket counts every one, so nobody gets past the limit, and none is
lost: a client that stops spends what it holds when it comes back. While a process
holds up to ``size - 1`` of a client's units, the bucket is that much ahead of the
client, so near its limit the client may be refused that many requests early on
another process. Near the limit, when a lease no longer fits, a request is charged
alone again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_KEYS = 10_000
MIN_LEASE, MAX_LEASE = 8, 64


def lease_size(capacity: int) -> int:
    return max(MIN_LEASE, min(MAX_LEASE, capacity // 100))


@dataclass(slots=True)
class _Client:
    units: int
    until: datetime
    seen: int


class Leases:
    def __init__(self, busy: int = 8, window: timedelta = timedelta(seconds=1)) -> None:
        self._busy = busy
        self._window = window
        self._lock = threading.Lock()
        self._clients: dict[str, _Client] = {}

    def take(self, key: str, at: datetime, size: int) -> int:
        """0 when a unit bought earlier was spent (nothing to charge); otherwise how many
        units to buy now: ``size`` for a busy client, else 1. Counts the request."""
        with self._lock:
            client = self._clients.get(key) or self._track(key, at)
            if at >= client.until:
                client.until, client.seen = at + self._window, 0
            client.seen += 1
            if client.units > 0:
                client.units -= 1
                return 0
            return size if client.seen > self._busy else 1

    def keep(self, key: str, units: int) -> None:
        """Hold ``units`` just bought for the client (beyond the one its request used)."""
        with self._lock:
            client = self._clients.get(key)
            if client is not None:
                client.units += units

    def _track(self, key: str, at: datetime) -> _Client:
        """A client seen for the first time; the oldest is dropped when too many (with
        the units it held: its bucket leaks them away like any charge)."""
        if len(self._clients) >= MAX_KEYS:
            del self._clients[next(iter(self._clients))]
        client = self._clients[key] = _Client(units=0, until=at + self._window, seen=0)
        return client
