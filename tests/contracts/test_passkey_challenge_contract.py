"""Passkey challenges on the challenge store, over the in-memory twin and real Redis: the
seed's keys, 5 minutes, taken once, and never served to the wrong ceremony or flow
(SECURITY WA-01)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pytest
import redis

from application.common.passkey_challenges import (
    CHALLENGE_TTL,
    Ceremony,
    Flow,
    PasskeyChallenges,
    PendingCeremony,
)
from domain.ids import UserId
from tests.contracts.ephemeral_backends import Backend, MemoryBackend, RedisBackend
from tests.support.clock import ManualClock

BACKENDS = ["memory", pytest.param("redis", marks=pytest.mark.integration)]
ADA = UserId(UUID(int=42))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend(ManualClock())
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    found = RedisBackend(ManualClock(), request.getfixturevalue("redis_url"), client)
    yield found
    found.connector.close()


def test_a_registration_challenge_waits_under_the_users_key_and_is_taken_once(
    backend: Backend,
) -> None:
    store, challenge = backend.challenges(), os.urandom(32)
    challenges = PasskeyChallenges(store)
    challenges.start_registration(ADA, challenge, "localhost")

    assert store.get(f"passkey_registration:{ADA}") is not None
    assert challenges.take_registration(ADA) == PendingCeremony(
        Ceremony.REGISTRATION, Flow.ENROLMENT, challenge, ADA, "localhost"
    )
    assert challenges.take_registration(ADA) is None


def test_a_sign_in_challenge_is_taken_once_and_only_by_its_own_flow(backend: Backend) -> None:
    store, challenge = backend.challenges(), os.urandom(32)
    challenges = PasskeyChallenges(store)
    challenges.start_sign_in(
        "ref-1", Flow.PASSWORDLESS, challenge, "localhost", user_id=None, named=False
    )
    challenges.start_sign_in(
        "ref-2", Flow.SECOND_FACTOR, challenge, "localhost", user_id=ADA, named=True
    )

    assert store.get("passkey_auth:ref-1") is not None
    taken = challenges.take_sign_in("ref-1", Flow.PASSWORDLESS)
    assert taken is not None
    assert (taken.challenge, taken.user_id, taken.named) == (challenge, None, False)
    assert challenges.take_sign_in("ref-1", Flow.PASSWORDLESS) is None
    assert challenges.take_sign_in("ref-2", Flow.PASSWORDLESS) is None  # taken, and refused
    assert challenges.take_sign_in("ref-2", Flow.SECOND_FACTOR) is None


def test_a_registration_challenge_is_no_sign_in_challenge(backend: Backend) -> None:
    store = backend.challenges()
    challenges = PasskeyChallenges(store)
    challenges.start_registration(ADA, os.urandom(32), "localhost")
    record = store.get(f"passkey_registration:{ADA}")
    assert record is not None
    store.put("passkey_auth:moved", record, CHALLENGE_TTL)  # a record where it does not belong

    assert challenges.take_sign_in("moved", Flow.PASSWORDLESS) is None


def test_a_challenge_expires_after_five_minutes(backend: Backend) -> None:
    challenges = PasskeyChallenges(backend.challenges())
    challenges.start_registration(ADA, os.urandom(32), "localhost")
    challenges.start_sign_in(
        "ref", Flow.PASSWORDLESS, os.urandom(32), "localhost", user_id=None, named=False
    )
    backend.advance(CHALLENGE_TTL + 1)

    assert challenges.take_registration(ADA) is None
    assert challenges.take_sign_in("ref", Flow.PASSWORDLESS) is None


def test_of_parallel_takes_of_one_challenge_exactly_one_wins(backend: Backend) -> None:
    challenges = PasskeyChallenges(backend.challenges())
    challenges.start_sign_in(
        "race", Flow.PASSWORDLESS, os.urandom(32), "localhost", user_id=None, named=False
    )
    barrier = threading.Barrier(8)

    def take() -> bool:
        barrier.wait(timeout=10)
        return challenges.take_sign_in("race", Flow.PASSWORDLESS) is not None

    with ThreadPoolExecutor(max_workers=8) as pool:
        won = [future.result(timeout=30) for future in [pool.submit(take) for _ in range(8)]]

    assert sorted(won) == [False] * 7 + [True]
