"""``GET /me`` reads the profile from Redis, with the session's validity and the API-wide
limit in the same round trip; a change made by another process is seen at once, because
the change drops the cached copy after its commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis

from application.common.throttle import Rule
from tests.fixtures.redis import RedisServer
from tests.integration.test_outages import Bastion


def test_a_profile_changed_in_one_process_is_fresh_in_the_other(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    first, second = on_postgres(private_redis.url), on_postgres(private_redis.url)
    token = first.signed_in("ada@example.com")["access_token"]
    assert first.call("GET", "/me", token).json["first_name"] == "Ada"
    assert redis.Redis.from_url(private_redis.url).exists(
        f"user:profile:v1:{first.call('GET', '/me', token).json['id']}"
    )

    changed = second.call("PATCH", "/me", token, json={"first_name": "Augusta"})
    assert changed.status_code == 200

    assert first.call("GET", "/me", token).json["first_name"] == "Augusta"


def test_with_redis_down_the_profile_comes_from_the_database(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    bastion = on_postgres(private_redis.url)
    token = bastion.signed_in("ada@example.com")["access_token"]
    private_redis.stop()
    me = bastion.call("GET", "/me", token)
    assert me.status_code == 200
    assert me.json["email"] == "ada@example.com"


def test_get_me_is_one_round_trip_that_also_spends_the_api_limit(
    on_postgres: Callable[..., Bastion],
    private_redis: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bastion = on_postgres(private_redis.url, rate_limit_scale=1)
    token = bastion.signed_in("ada@example.com")["access_token"]
    client = redis.Redis.from_url(private_redis.url, decode_responses=True)
    user_id = bastion.call("GET", "/me", token).json["id"]
    client.delete(f"user:profile:v1:{user_id}")  # the sign-in's 10 s tombstone, run out
    assert bastion.call("GET", "/me", token).status_code == 200  # fills the cache
    connector = bastion.container.redis()
    trips: list[object] = []
    run = connector.run

    def counted(operation: Any, **options: Any) -> Any:
        trips.append(operation)
        return run(operation, **options)

    monkeypatch.setattr(connector, "run", counted)
    bucket = "ratelimit:" + bastion.container.throttle().key(Rule.API, "127.0.0.1")
    level = float(client.hget(bucket, "level") or 0)

    assert bastion.call("GET", "/me", token).json["first_name"] == "Ada"

    assert len(trips) == 1  # RedisConnector.run: the one way adapters talk to Redis
    assert float(client.hget(bucket, "level") or 0) > level
    client.close()
