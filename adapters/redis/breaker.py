"""A per-process circuit breaker and failure counter for the Redis adapters."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

BREAKER_COOLDOWN_SECONDS = 2.0


class CircuitBreaker:
    """Open for ``cooldown`` seconds after a failure; then one caller at a time tries again
    (each trial re-arms the window), and a success closes it."""

    def __init__(
        self,
        cooldown: float = BREAKER_COOLDOWN_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cooldown = cooldown
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._open_until: float | None = None

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open_until is not None and self._monotonic() < self._open_until

    def allow(self) -> bool:
        with self._lock:
            if self._open_until is None:
                return True
            now = self._monotonic()
            if now < self._open_until:
                return False
            self._open_until = now + self._cooldown
            return True

    def record_success(self) -> None:
        with self._lock:
            self._open_until = None

    def record_failure(self) -> None:
        with self._lock:
            self._open_until = self._monotonic() + self._cooldown


class FailureCounter:
    """Failures per operation name, for the metrics endpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, operation: str) -> None:
        with self._lock:
            self._counts[operation] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())
