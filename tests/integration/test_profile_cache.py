"""``GET /me`` reads the profile from Redis; a change made by another process is seen at
once, because the change drops the cached copy after its commit."""

from __future__ import annotations

from collections.abc import Callable

import redis

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
