"""The API-wide limit bought in leases: fewer trips to the shared bucket, same limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.memory.ephemeral import MemoryRateLimiter
from adapters.security.network import HmacNetworkHasher
from application.common.leases import Leases
from application.common.throttle import LIMITS, Rule, Throttle
from application.ports.ephemeral import Decision, Limit
from domain.errors import RateLimitedError
from tests.support.clock import ManualClock


class CountingLimiter(MemoryRateLimiter):
    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.trips = 0

    def acquire(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        self.trips += 1
        return super().acquire(key, limit, cost)


def _throttle(clock: ManualClock) -> tuple[Throttle, CountingLimiter]:
    limiter = CountingLimiter(clock)
    network = HmacNetworkHasher(b"k" * 32)
    return Throttle(limiter, network, clock=clock, leases=Leases(size=8)), limiter


def test_a_burst_gets_exactly_the_limit_with_an_eighth_of_the_trips() -> None:
    clock = ManualClock(datetime(2026, 3, 1, tzinfo=UTC))
    throttle, limiter = _throttle(clock)
    capacity = LIMITS[Rule.API].capacity

    for _ in range(capacity):
        throttle.charge(Rule.API, "203.0.113.7")
    with pytest.raises(RateLimitedError):
        throttle.charge(Rule.API, "203.0.113.7")
    assert limiter.trips < capacity / 4
    throttle.charge(Rule.API, "198.51.100.1")  # another client has its own bucket


def test_units_not_spent_in_time_are_not_saved_up() -> None:
    clock = ManualClock(datetime(2026, 3, 1, tzinfo=UTC))
    throttle, limiter = _throttle(clock)
    throttle.charge(Rule.API, "203.0.113.7")
    clock.advance(seconds=2)
    throttle.charge(Rule.API, "203.0.113.7")
    assert limiter.trips == 2


def test_other_rules_are_charged_one_by_one() -> None:
    clock = ManualClock(datetime(2026, 3, 1, tzinfo=UTC))
    throttle, limiter = _throttle(clock)
    for _ in range(3):
        throttle.charge(Rule.LOGIN, "203.0.113.7")
    assert limiter.trips == 3
