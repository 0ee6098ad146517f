"""The Flask app on real PostgreSQL and Redis while one of them is gone (SECURITY 4.2,
FI-01, FI-03, FI-04, FI-05, SE-07). Redis is an accelerator: losing it or its data logs
nobody in and nobody out. PostgreSQL is the truth: without it every API call is a clean
503."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from dependency_injector import providers
from flask.testing import FlaskClient
from sqlalchemy import Engine

from adapters.redis.client import RedisConnector
from application.auth.request_password_reset import reset_key
from application.ports.security import AccessClaims
from domain.ids import SessionId, UserId
from domain.sessions import AuthMethod
from entrypoints.container import Container, build_container
from entrypoints.http.app import create_app
from tests.fixtures.redis import RedisServer, free_port
from tests.support.notifier import RecordingNotifier
from tests.support.settings import test_settings as settings_for

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "another long passphrase for ada"
BEARER = 'Bearer error="invalid_token"'


@dataclass
class Bastion:
    client: FlaskClient
    container: Container
    mail: RecordingNotifier

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def log_in(self, email: str, password: str = PASSWORD) -> Any:
        return self.call("POST", "/auth/login", json={"email": email, "password": password})

    def signed_in(self, email: str) -> dict[str, Any]:
        body = {"email": email, "password": PASSWORD, "first_name": "Ada", "last_name": "Byron"}
        assert self.call("POST", "/auth/register", json=body).status_code == 202
        code = self.mail.last_code(email)
        verify = {"email": email, "code": code}
        assert self.call("POST", "/auth/email/verify", json=verify).status_code == 200
        return self.tokens(email)

    def tokens(self, email: str) -> dict[str, Any]:
        response = self.log_in(email)
        assert response.status_code == 200, response.json
        tokens: dict[str, Any] = response.json
        return tokens


BastionFactory = Callable[..., Bastion]


@pytest.fixture
def make_bastion(tmp_path: Path) -> Iterator[BastionFactory]:
    """Apps on SQL storage and Redis, each a "process" of its own; Redis calls time out
    after 0.1 s and the breaker retries after 0.1 s, so outages and recoveries are quick."""
    built: list[Container] = []

    def make(*, database_url: str, redis_url: str, **overrides: Any) -> Bastion:
        instance = tmp_path / f"instance-{len(built)}"
        settings = settings_for(
            instance, database_url=database_url, redis_url=redis_url, **overrides
        )
        container = build_container(settings, store="sql", ephemeral="redis")
        container.redis.override(
            providers.Singleton(
                RedisConnector, url=redis_url, timeout=0.1, connect_timeout=0.1, cooldown=0.1
            )
        )
        mail = RecordingNotifier()
        container.notifier.override(mail)
        built.append(container)
        return Bastion(create_app(settings, container).test_client(), container, mail)

    yield make
    for container in built:
        container.redis().close()
        container.reset_singletons()


@pytest.fixture
def on_postgres(
    make_bastion: BastionFactory, postgres_engine: Engine, postgres_url: str
) -> Callable[..., Bastion]:
    """An app on the emptied test database (migrated once per test session)."""
    return lambda redis_url, **overrides: make_bastion(
        database_url=postgres_url, redis_url=redis_url, **overrides
    )


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["code"] == "service_unavailable"


def assert_refused_token(response: Any) -> None:
    assert response.status_code == 401
    assert response.json["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"] == BEARER


def test_with_redis_stopped_sign_in_and_me_work_and_redis_only_flows_answer_503(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    bastion = on_postgres(private_redis.url)
    tokens = bastion.signed_in("ada@example.com")
    assert bastion.call("GET", "/me", token=tokens["access_token"]).status_code == 200

    private_redis.stop()

    me = bastion.call("GET", "/me", token=tokens["access_token"])
    assert me.status_code == 200
    assert me.json["email"] == "ada@example.com"
    assert bastion.log_in("ada@example.com").status_code == 200
    wrong = bastion.log_in("ada@example.com", "not the password at all")
    assert wrong.status_code == 401
    assert wrong.json["code"] == "invalid_credentials"
    assert "WWW-Authenticate" not in wrong.headers
    assert_unavailable(
        bastion.call("POST", "/auth/password/forgot", json={"email": "ada@example.com"})
    )
    ready: Any = bastion.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"] == {"database": True, "redis": False}
    assert bastion.client.get("/healthz").status_code == 200


def test_after_redis_restarts_empty_revoked_sessions_and_used_refresh_tokens_stay_refused(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    bastion = on_postgres(private_redis.url, refresh_reuse_grace=0)
    signed_out = bastion.signed_in("ada@example.com")
    rotated = bastion.tokens("ada@example.com")
    assert bastion.call("GET", "/me", token=signed_out["access_token"]).status_code == 200
    assert bastion.call("POST", "/auth/logout", token=signed_out["access_token"]).status_code == 204
    fresh = bastion.call("POST", "/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert fresh.status_code == 200

    private_redis.restart()  # SIGKILL, then an empty server on the same port

    assert_refused_token(bastion.call("GET", "/me", token=signed_out["access_token"]))
    reused = bastion.call("POST", "/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json["code"] == "token_reused"
    assert "WWW-Authenticate" not in reused.headers
    assert_refused_token(bastion.call("GET", "/me", token=fresh.json["access_token"]))
    again = bastion.tokens("ada@example.com")
    assert bastion.call("GET", "/me", token=again["access_token"]).status_code == 200


def test_after_redis_restarts_empty_a_used_totp_code_stays_refused(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:

    import pyotp

    bastion = on_postgres(private_redis.url)
    token = bastion.signed_in("ada@example.com")["access_token"]
    setup = bastion.call("POST", "/me/mfa/totp/setup", token=token).json
    totp = pyotp.TOTP(setup["secret"])
    confirm = bastion.call("POST", "/me/mfa/totp/confirm", token=token, json={"code": totp.now()})
    assert confirm.status_code == 200
    code = totp.at(time.time() + 30)  # the confirming step is spent; the next one is in reach

    def second_step() -> Any:
        challenge = bastion.log_in("ada@example.com").json
        body = {"login_token": challenge["login_token"], "method": "totp", "code": code}
        return bastion.call("POST", "/auth/login/mfa", json=body)

    assert second_step().status_code == 200

    private_redis.restart()  # every short-lived record is gone: the step lives in PostgreSQL

    replay = second_step()
    assert (replay.status_code, replay.json["code"]) == (401, "invalid_mfa_code")


def test_a_revocation_that_could_not_reach_redis_is_refused_by_every_other_process(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    """The revoker, whose tombstone could not land, answers only after one outbox check
    interval: the reader, which reaches Redis and its stale "valid", has by then seen the
    outbox, so the very next request after the answer is refused."""
    reader = on_postgres(private_redis.url)
    revoker = on_postgres(f"redis://127.0.0.1:{free_port()}/0")  # its Redis is unreachable
    tokens = reader.signed_in("ada@example.com")
    assert reader.call("GET", "/me", token=tokens["access_token"]).status_code == 200  # cached

    assert revoker.call("POST", "/auth/logout", token=tokens["access_token"]).status_code == 204
    with reader.container.uow() as uow:
        assert len(uow.revocations.pending()) == 1

    assert_refused_token(reader.call("GET", "/me", token=tokens["access_token"]))
    with reader.container.uow() as uow:
        assert uow.revocations.pending() == []  # the reader's drain landed the tombstone


def test_with_postgres_unreachable_every_api_route_answers_503_and_healthz_200(
    make_bastion: BastionFactory, redis_url: str
) -> None:
    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/bastion"
    bastion = make_bastion(database_url=closed, redis_url=redis_url)
    token = _an_access_token(bastion)
    _plant_a_reset_token(bastion, "a-reset-token")
    email = {"email": "ada@example.com"}
    calls: list[tuple[str, str, dict[str, Any] | None, str | None]] = [
        ("POST", "/auth/register", {**email, "password": PASSWORD, "first_name": "Ada",
                                    "last_name": "Byron"}, None),
        ("POST", "/auth/email/verify", {**email, "code": "123456"}, None),
        ("POST", "/auth/email/resend", email, None),
        ("POST", "/auth/login", {**email, "password": PASSWORD}, None),
        ("POST", "/auth/refresh", {"refresh_token": "some-refresh-token"}, None),
        ("POST", "/auth/logout", None, token),
        ("POST", "/auth/password/forgot", email, None),
        ("POST", "/auth/password/reset", {"token": "a-reset-token",
                                          "new_password": NEW_PASSWORD}, None),
        ("GET", "/me", None, token),
        ("PATCH", "/me", {"first_name": "Augusta"}, token),
        ("POST", "/me/password", {"current_password": PASSWORD,
                                  "new_password": NEW_PASSWORD}, token),
    ]  # fmt: skip

    for method, path, body, bearer in calls:
        response = bastion.call(method, path, token=bearer, json=body)
        assert_unavailable(response)
        assert "psycopg" not in response.get_data(as_text=True)

    assert bastion.client.get("/healthz").status_code == 200
    ready: Any = bastion.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["database"] is False


def _an_access_token(bastion: Bastion) -> str:
    """A well-signed token for a session the database would have to confirm."""
    container = bastion.container
    now = container.clock().now()
    codec = container.codec()
    claims = AccessClaims(
        user_id=UserId(UUID(int=1)),
        session_id=SessionId(UUID(int=2)),
        email="ada@example.com",
        role="user",
        methods=(AuthMethod.PASSWORD,),
        token_id="jti-1",
        issued_at=now,
        expires_at=now + timedelta(seconds=codec.lifetime_seconds),
    )
    return codec.issue(claims)


def _plant_a_reset_token(bastion: Bastion, token: str) -> None:
    """A reset link as the forgot-password flow leaves it in Redis, so the reset has to
    read the user from the database."""
    key = reset_key(bastion.container.digester().digest(token))
    record = {"user_id": str(UUID(int=1)), "email": "ada@example.com"}
    bastion.container.challenges().put(key, record, ttl_seconds=60)
