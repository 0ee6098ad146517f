"""Short-lived records (codes, login tokens, ceremonies, OAuth state) as JSON strings."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TypeVar

import redis

from adapters.redis.client import RedisConnector, RedisUnavailableError
from application.ports.ephemeral import ChallengeStore
from domain.errors import UnavailableError

T = TypeVar("T")


class RedisChallengeStore(ChallengeStore):
    """Keys are used as given. Any Redis failure raises ``UnavailableError``: a flow that
    cannot read or consume its state must answer 503, never guess (SECURITY RL-06)."""

    def __init__(self, connector: RedisConnector) -> None:
        self._connector = connector

    def put(self, key: str, fields: Mapping[str, str], ttl_seconds: int) -> None:
        payload = json.dumps(dict(fields), separators=(",", ":"))
        self._call("put", lambda r: r.set(key, payload, ex=ttl_seconds))

    def get(self, key: str) -> dict[str, str] | None:
        return _decode(self._call("get", lambda r: r.get(key)))

    def take(self, key: str) -> dict[str, str] | None:
        """GETDEL: of concurrent callers exactly one gets the record (WA-01, OA-01)."""
        return _decode(self._call("take", lambda r: r.getdel(key)))

    def delete(self, key: str) -> None:
        self._call("delete", lambda r: r.delete(key))

    def increment(self, key: str, ttl_seconds: int) -> int:
        """``SET NX EX`` then ``INCR`` in one MULTI: the TTL is set only by the first."""

        def step(r: redis.Redis) -> int:
            pipe = r.pipeline(transaction=True)
            pipe.set(key, 0, ex=ttl_seconds, nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])

        return self._call("increment", step)

    def _call(self, name: str, operation: Callable[[redis.Redis], T]) -> T:
        try:
            return self._connector.run(operation)
        except (RedisUnavailableError, redis.RedisError) as exc:
            self._connector.record_failure(f"challenge_store.{name}", exc)
            raise UnavailableError() from exc


def _decode(value: object) -> dict[str, str] | None:
    if not isinstance(value, str):
        return None
    try:
        record = json.loads(value)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    return {str(k): str(v) for k, v in record.items()}
