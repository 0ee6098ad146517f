from __future__ import annotations

import threading
import time
import uuid

import pytest

from adapters.system.clock import SystemClock
from adapters.system.ids import UuidV7Generator


def test_ids_are_rfc_9562_version_7_with_the_current_time() -> None:
    before = time.time_ns() // 1_000_000
    value = UuidV7Generator().new()
    after = time.time_ns() // 1_000_000
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert before <= value.int >> 80 <= after


def test_ids_are_unique_and_strictly_increasing() -> None:
    generator = UuidV7Generator()
    values = [generator.new() for _ in range(20_000)]
    assert values == sorted(values)
    assert len(set(values)) == len(values)


def test_ids_keep_increasing_when_the_wall_clock_stalls_or_steps_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1_800_000_000_000_000_000]
    monkeypatch.setattr("adapters.system.ids.time.time_ns", lambda: now[0])
    generator = UuidV7Generator()
    first = [generator.new() for _ in range(1000)]
    now[0] -= 5_000_000_000
    later = [generator.new() for _ in range(10)]
    values = first + later
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert all(v.version == 7 and v.variant == uuid.RFC_4122 for v in values)


def test_ids_from_many_threads_never_collide() -> None:
    generator = UuidV7Generator()
    seen: list[uuid.UUID] = []
    lock = threading.Lock()

    def make() -> None:
        batch = [generator.new() for _ in range(2000)]
        with lock:
            seen.extend(batch)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 8000


def test_the_system_clock_is_timezone_aware_utc() -> None:
    now = SystemClock().now()
    assert now.utcoffset() is not None
    assert now.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
