"""Revocation seen across processes, on real PostgreSQL and Redis (SECURITY SE-07, FI-04).
Two app instances are two processes: one answers ``GET /me`` from the cached "valid" while
the other revokes the session (a profile changed elsewhere: ``test_profile_cache``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import redis

from tests.fixtures.redis import RedisServer
from tests.integration.test_outages import Bastion, assert_refused_token

READERS = 8


def with_valid_cached(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> tuple[Bastion, Bastion, str]:
    """Two processes; the first has answered ``GET /me``, so Redis holds "valid"."""
    reader, revoker = on_postgres(private_redis.url), on_postgres(private_redis.url)
    token = reader.signed_in("ada@example.com")["access_token"]
    assert reader.call("GET", "/me", token).status_code == 200
    return reader, revoker, token


def test_after_a_logout_answers_no_request_another_process_starts_is_accepted(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    reader, revoker, token = with_valid_cached(on_postgres, private_redis)
    answered_at: list[float] = []
    seen: list[tuple[float, int]] = []
    start = threading.Barrier(READERS + 1)

    def hammer() -> None:
        client = reader.client.application.test_client()
        start.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            sent = time.monotonic()
            status = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            seen.append((sent, status.status_code))
            if answered_at and sent > answered_at[0] + 0.2:
                return

    threads = [threading.Thread(target=hammer) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    start.wait()
    time.sleep(0.1)
    assert revoker.call("POST", "/auth/logout", token=token).status_code == 204
    answered_at.append(time.monotonic())
    for thread in threads:
        thread.join(35)

    after = [status for sent, status in seen if sent > answered_at[0]]
    assert 200 in [status for sent, status in seen if sent < answered_at[0]]
    assert after
    assert set(after) == {401}


def test_a_flushed_redis_serves_no_later_revocation_as_valid(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    reader, revoker, token = with_valid_cached(on_postgres, private_redis)

    redis.Redis.from_url(private_redis.url).flushall()
    assert reader.call("GET", "/me", token).status_code == 200
    assert revoker.call("POST", "/auth/logout", token=token).status_code == 204

    assert_refused_token(reader.call("GET", "/me", token))


def test_a_logout_during_a_redis_pause_is_refused_by_the_other_process(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    reader, revoker, token = with_valid_cached(on_postgres, private_redis)

    private_redis.pause()
    try:
        assert revoker.call("POST", "/auth/logout", token=token).status_code == 204
        assert_refused_token(reader.call("GET", "/me", token))
    finally:
        private_redis.resume()
    time.sleep(0.2)  # the breaker's cooldown

    assert_refused_token(reader.call("GET", "/me", token))
