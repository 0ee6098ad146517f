"""``session:valid:{sid}`` ("1" valid, "0" revoked) and ``user:profile:v1:{uid}`` (the
profile as JSON, or ``-`` for a while after a change) in Redis, read with one ``MGET``,
pipelined with the leaky-bucket script when the read carries a toll: one round trip."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

import redis
from redis.exceptions import NoScriptError

from adapters.redis import leaky_bucket
from adapters.redis.client import RedisConnector
from application.ports.ephemeral import CachedSession, Decision, SessionCache, Toll
from application.ports.system import Clock
from domain.ids import SessionId, UserId
from domain.users import UserProfile

VALIDITY_TTL_SECONDS = 300
PROFILE_TTL_SECONDS = 60
TOMBSTONE_TTL_SECONDS = 10
TOMBSTONE = "-"
_STATES = {"1": True, "0": False}
_MISS = CachedSession(valid=None)


class RedisSessionCache(SessionCache):
    """Never raises. When Redis is unreachable at a profile change, a profile cached before
    it may be served until its 60 s run out; identity and revocation never come from the
    profile entry."""

    def __init__(
        self, connector: RedisConnector, clock: Clock, ttl_seconds: int = VALIDITY_TTL_SECONDS
    ) -> None:
        self._connector = connector
        self._clock = clock
        self._ttl = ttl_seconds

    def read(
        self, session_id: SessionId, user_id: UserId | None = None, toll: Toll | None = None
    ) -> CachedSession:
        keys = [_validity_key(session_id)]
        if user_id is not None:
            keys.append(_profile_key(user_id))
        if toll is None:
            values = self._connector.best_effort("session_cache.read", lambda r: r.mget(keys), None)
            return _cached(values, None)
        args = leaky_bucket.arguments(toll.limit, 1, self._clock, probe=False)
        answer = self._connector.best_effort(
            "session_cache.read", lambda r: _spend_and_read(r, toll.key, args, keys), None
        )
        if answer is None:
            return _MISS
        wait_ms, spent_with = answer
        return _cached(spent_with, leaky_bucket.decision(wait_ms, toll.limit))

    def remember_valid(self, session_id: SessionId) -> None:
        self._connector.best_effort(
            "session_cache.remember_valid",
            lambda r: r.set(_validity_key(session_id), "1", ex=self._ttl, nx=True),
            None,
        )

    def tombstone(self, session_id: SessionId) -> bool:
        return self._connector.best_effort(
            "session_cache.tombstone",
            lambda r: bool(r.set(_validity_key(session_id), "0", ex=self._ttl)),
            False,
        )

    def remember_profile(self, profile: UserProfile) -> None:
        text = _profile_to_json(profile)
        self._connector.best_effort(
            "session_cache.remember_profile",
            lambda r: r.set(_profile_key(profile.id), text, ex=PROFILE_TTL_SECONDS, nx=True),
            None,
        )

    def forget_profiles(self, user_ids: Iterable[UserId]) -> None:
        keys = [_profile_key(user_id) for user_id in user_ids]

        def tombstone(client: redis.Redis) -> None:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.set(key, TOMBSTONE, ex=TOMBSTONE_TTL_SECONDS)
            pipe.execute()

        if keys:
            self._connector.best_effort("session_cache.forget_profiles", tombstone, None)


def _spend_and_read(
    client: redis.Redis, bucket: str, args: list[str | int], keys: list[str]
) -> tuple[int, Sequence[object]]:
    pipe = client.pipeline(transaction=False)
    leaky_bucket.queue(pipe, bucket, args)
    pipe.mget(keys)
    wait, values = pipe.execute(raise_on_error=False)
    if isinstance(wait, NoScriptError):
        wait = leaky_bucket.rerun(client, bucket, args)
    if isinstance(wait, Exception):
        raise wait
    if isinstance(values, Exception):  # the toll is spent: keep its answer, read a miss
        return int(wait), ()
    return int(wait), values


def _cached(values: Sequence[object] | None, toll: Decision | None) -> CachedSession:
    if not values:
        return CachedSession(valid=None, toll=toll)
    state = values[0]
    valid = _STATES.get(state) if isinstance(state, str) else None
    profile = _profile_from_json(values[1]) if len(values) > 1 else None
    return CachedSession(valid=valid, profile=profile, toll=toll)


def _validity_key(session_id: SessionId) -> str:
    return f"session:valid:{session_id}"


def _profile_key(user_id: UserId) -> str:
    return f"user:profile:v1:{user_id}"


_TIMES = ("created_at", "updated_at", "last_login_at")


def _profile_to_json(profile: UserProfile) -> str:
    fields = {f.name: getattr(profile, f.name) for f in dataclasses.fields(profile)}
    fields["id"] = str(profile.id)
    for name in _TIMES:
        moment = fields[name]
        fields[name] = moment.isoformat() if moment is not None else None
    return json.dumps(fields, separators=(",", ":"))


def _profile_from_json(text: object) -> UserProfile | None:
    """None for a miss, a tombstone, or a text not in this release's shape (read the
    database instead)."""
    if not isinstance(text, str) or text == TOMBSTONE:
        return None
    try:
        fields = json.loads(text)
        fields["id"] = UserId(UUID(fields["id"]))
        for name in _TIMES:
            moment = fields[name]
            fields[name] = datetime.fromisoformat(moment) if moment is not None else None
        return UserProfile(**fields)
    except (ValueError, TypeError, KeyError):
        return None
