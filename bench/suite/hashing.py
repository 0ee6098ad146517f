"""The hashing floor: how many password checks per second this machine can do at all.

Every core runs the project's own ``BcryptPasswordHasher.verify`` (HMAC pre-hash, then
bcrypt at the configured cost) in a loop, in separate processes, while the stack is idle.
A login costs one such check, so no login rate can beat this number.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from adapters.security.passwords import BcryptPasswordHasher

PEPPER = b"hashing-floor-pepper-0123456789abcdef"
PASSWORD = "a benchmark passphrase nobody uses"


@dataclass(frozen=True)
class HashingFloor:
    rounds: int
    processes: int
    verifies: int
    seconds: float
    verifies_per_second: float
    ms_per_verify_one_core: float
    other_cpu_pct: float | None = None  # the machine's CPU used by others meanwhile


def measure(rounds: int, seconds: float, processes: int | None = None) -> HashingFloor:
    processes = processes or os.cpu_count() or 1
    with ProcessPoolExecutor(processes) as pool:
        runs = list(pool.map(_verify_for, [rounds] * processes, [seconds] * processes))
    verifies = sum(done for done, _ in runs)
    rate = sum(done / elapsed for done, elapsed in runs)
    return HashingFloor(
        rounds=rounds,
        processes=processes,
        verifies=verifies,
        seconds=round(max(elapsed for _, elapsed in runs), 2),
        verifies_per_second=round(rate, 2),
        ms_per_verify_one_core=round(processes / rate * 1000, 1),
    )


def _verify_for(rounds: int, seconds: float) -> tuple[int, float]:
    """Checks done and the seconds they took (the hash made first is not counted)."""
    hasher = BcryptPasswordHasher(PEPPER, rounds)
    stored = hasher.hash(PASSWORD)
    started = time.perf_counter()
    done = 0
    while time.perf_counter() - started < seconds:
        if not hasher.verify(PASSWORD, stored):
            raise RuntimeError("the hasher refused its own hash")
        done += 1
    return done, time.perf_counter() - started
