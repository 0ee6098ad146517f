"""The design's ceiling: the framework floor plus the two steps every authenticated request
must take, and nothing else.

``GET /api/v1/me`` here verifies an access token with Bastion's own codec (PyJWT, HS256)
and makes Bastion's one Redis round trip (``RedisSessionCache.read``: the API-wide toll's
leaky-bucket script pipelined with the ``MGET`` of the session's validity and the profile),
then answers the floor's JSON. No guard, use case, schema, log line, metrics or security
headers. Whatever Bastion's route costs beyond this is Bastion's own; what this costs
beyond the floor is the price of the token check and the round trip themselves, which no
arrangement of the code above them can remove.

    BASTION_REDIS_URL=redis://... gunicorn --chdir bench 'ceiling_app:create()'
"""

from __future__ import annotations

import os
import secrets
import uuid
from datetime import datetime, timedelta

from flask import Flask, Response, jsonify
from floor_app import PROFILE

from adapters.redis.client import RedisConnector
from adapters.redis.session_cache import RedisSessionCache
from adapters.security.tokens import JwtAccessTokenCodec
from adapters.system.clock import SystemClock
from application.ports.ephemeral import Limit, Toll
from application.ports.security import AccessClaims
from domain.ids import SessionId, UserId
from domain.sessions import AuthMethod
from domain.users import UserProfile

TOLL = Toll("ceiling:127.0.0.1", Limit(capacity=10**9, period=60), bucket="api")
"""A bucket that never refuses, as the bench's scaled limits never refuse ``GET /me``."""


def create() -> Flask:
    clock = SystemClock()
    codec = JwtAccessTokenCodec(secrets.token_bytes(48), "bastion", "bastion", 3600, clock=clock)
    cache = RedisSessionCache(RedisConnector(os.environ["BASTION_REDIS_URL"]), clock)
    session_id, user_id = SessionId(uuid.uuid4()), UserId(uuid.uuid4())
    now = clock.now().replace(microsecond=0)
    token = codec.issue(
        AccessClaims(
            user_id=user_id,
            session_id=session_id,
            email=str(PROFILE["email"]),
            role="user",
            methods=(AuthMethod.PASSWORD,),
            token_id=secrets.token_urlsafe(16),
            issued_at=now,
            expires_at=now + timedelta(hours=1),
        )
    )
    profile = _profile(user_id, now)
    app = Flask("ceiling")

    @app.get("/api/v1/me")
    def me() -> Response | tuple[Response, int]:
        claims = codec.verify(token)
        cached = cache.read(claims.session_id, claims.user_id, TOLL)
        if cached.toll is None:  # Redis did not answer: an error, never a cheaper success
            return jsonify(status="redis unavailable"), 503
        if cached.valid is None:  # the first request, and after the entry's minutes
            cache.remember_valid(claims.session_id)
        if cached.profile is None:
            cache.remember_profile(profile)
        return jsonify(PROFILE)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return app


def _profile(user_id: UserId, now: datetime) -> UserProfile:
    return UserProfile(
        id=user_id,
        email=str(PROFILE["email"]),
        email_verified=True,
        first_name="Ceiling",
        last_name="Bench",
        display_name=None,
        phone=None,
        phone_verified=False,
        avatar_url=None,
        role="user",
        status="active",
        created_at=now,
        updated_at=now,
        last_login_at=now - timedelta(minutes=1),
    )
