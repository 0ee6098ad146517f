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

CLIENT = "203.0.113.7"
CAPACITY = LIMITS[Rule.API].capacity


class CountingLimiter(MemoryRateLimiter):
    """The shared bucket (Redis in production), counting the trips to it."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__(clock)
        self.trips = 0

    def acquire(self, key: str, limit: Limit, cost: int = 1) -> Decision:
        self.trips += 1
        return super().acquire(key, limit, cost)


def _processes(count: int) -> tuple[list[Throttle], CountingLimiter, ManualClock]:
    clock = ManualClock(datetime(2026, 3, 1, tzinfo=UTC))
    shared, network = CountingLimiter(clock), HmacNetworkHasher(b"k" * 32)
    throttles = [Throttle(shared, network, clock=clock, leases=Leases()) for _ in range(count)]
    return throttles, shared, clock


def _allowed(throttle: Throttle, requests: int) -> int:
    allowed = 0
    for _ in range(requests):
        try:
            throttle.charge(Rule.API, CLIENT)
        except RateLimitedError:
            continue
        allowed += 1
    return allowed


def test_a_burst_gets_exactly_the_limit_with_far_fewer_trips() -> None:
    [throttle], shared, _ = _processes(1)
    assert _allowed(throttle, CAPACITY) == CAPACITY
    with pytest.raises(RateLimitedError):
        throttle.charge(Rule.API, CLIENT)
    assert shared.trips < CAPACITY / 4
    throttle.charge(Rule.API, "198.51.100.1")  # another client has its own bucket


def test_steady_clients_below_the_limit_keep_their_burst() -> None:
    processes, shared, clock = _processes(4)
    for _ in range(120):  # two minutes at 1 request/s on each of 4 processes
        for throttle in processes:
            throttle.charge(Rule.API, CLIENT)
        clock.advance(seconds=1)
    trips_before = shared.trips
    burst = sum(_allowed(throttle, 100) for throttle in processes)
    assert burst >= CAPACITY - 8  # the steady trickle leaves the bucket nearly empty
    assert trips_before == 4 * 120  # slow clients are charged one by one


def test_units_bought_are_spent_later_not_lost() -> None:
    [throttle], shared, clock = _processes(1)
    assert _allowed(throttle, 9) == 9  # the ninth buys 8: 7 held
    clock.advance(seconds=30)
    trips = shared.trips
    assert _allowed(throttle, 7) == 7
    assert shared.trips == trips


def test_other_rules_are_charged_one_by_one() -> None:
    [throttle], shared, _ = _processes(1)
    for _ in range(12):
        throttle.charge(Rule.LOGIN, CLIENT)
    assert shared.trips == 12


def test_leased_units_are_charged_to_the_bucket_the_rule_names() -> None:
    """What ``check`` and ``forgive`` see for ``Rule.API`` is the bucket the leases buy from."""
    [throttle], _, _ = _processes(1)
    assert _allowed(throttle, CAPACITY) == CAPACITY
    with pytest.raises(RateLimitedError):
        throttle.check(Rule.API, CLIENT)
    throttle.forgive(Rule.API, CLIENT)
    throttle.check(Rule.API, CLIENT)
