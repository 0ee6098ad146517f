"""UUIDv7 ids (RFC 9562 §5.7): time-ordered, so primary-key inserts stay local in the index."""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

from application.ports.system import IdGenerator

_RANDOM_BITS = 74
_RAND_B_BITS = 62
_VERSION = 0x7
_VARIANT = 0b10
_MAX_STEP_BYTES = 4


class UuidV7Generator(IdGenerator):
    """48-bit Unix milliseconds, version 7, 74 random bits, the RFC variant.

    Monotonic within the process (RFC 9562 §6.2, method 3): ids made in the same millisecond,
    or after the wall clock stepped back, reuse the last timestamp and add a random step of
    up to 2^32 to the last random value, which starts with its top bit clear to leave room.
    Overflowing the random part moves the timestamp on by one millisecond.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def new(self) -> UUID:
        with self._lock:
            millis, random = self._next(time.time_ns() // 1_000_000)
        rand_a, rand_b = random >> _RAND_B_BITS, random & ((1 << _RAND_B_BITS) - 1)
        value = (millis << 80) | (_VERSION << 76) | (rand_a << 64) | (_VARIANT << 62) | rand_b
        return UUID(int=value)

    def _next(self, millis: int) -> tuple[int, int]:
        if millis > self._last_ms:
            random = _bits(_RANDOM_BITS - 1)
        else:
            millis = self._last_ms
            random = self._last_random + 1 + _bits(8 * _MAX_STEP_BYTES)
            if random >> _RANDOM_BITS:
                millis, random = millis + 1, _bits(_RANDOM_BITS - 1)
        self._last_ms, self._last_random = millis, random
        return millis, random


def _bits(count: int) -> int:
    return int.from_bytes(os.urandom((count + 7) // 8), "big") >> (-count % 8)
