"""The security center on PostgreSQL and Redis, with two API "processes": a revocation
made in one is refused by the other at once; the admin search, disable and the account
deletion cascade run on the real database."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text

from application.account.create_admin import CreateAdminCommand
from tests.fixtures.redis import RedisServer
from tests.integration.test_outages import PASSWORD, Bastion, assert_refused_token


def test_a_session_revoked_in_one_process_is_refused_by_another(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    first, second = on_postgres(private_redis.url), on_postgres(private_redis.url)
    phone = first.signed_in("ada@example.com")
    laptop = first.tokens("ada@example.com")
    assert second.call("GET", "/me", token=phone["access_token"]).status_code == 200  # cached

    path = f"/me/sessions/{phone['session_id']}"
    assert first.call("DELETE", path, token=laptop["access_token"]).status_code == 204
    assert_refused_token(second.call("GET", "/me", token=phone["access_token"]))

    tablet = first.tokens("ada@example.com")
    others = first.call("POST", "/me/sessions/revoke-others", token=tablet["access_token"])
    assert others.json == {"revoked": 1}
    assert_refused_token(second.call("GET", "/me", token=laptop["access_token"]))
    assert second.call("GET", "/me", token=tablet["access_token"]).status_code == 200


def test_admin_search_and_disable_on_postgres(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer
) -> None:
    api, other = on_postgres(private_redis.url), on_postgres(private_redis.url)
    api.container.create_admin()(CreateAdminCommand("root@example.com", PASSWORD))
    admin = api.tokens("root@example.com")["access_token"]
    ada = api.signed_in("ada.lovelace@example.com")
    api.signed_in("ada_b@example.com")

    found = api.call("GET", "/admin/users?q=ADA.", token=admin).json["items"]
    assert [u["email"] for u in found] == ["ada.lovelace@example.com"]
    wildcard = api.call("GET", "/admin/users?q=ada_", token=admin).json["items"]
    assert [u["email"] for u in wildcard] == ["ada_b@example.com"]

    user_id = ada["user"]["id"]
    assert api.call("POST", f"/admin/users/{user_id}/disable", token=admin).status_code == 200
    assert_refused_token(other.call("GET", "/me", token=ada["access_token"]))
    refused = other.log_in("ada.lovelace@example.com")
    assert (refused.status_code, refused.json["code"]) == (403, "account_disabled")


def test_deleting_an_account_on_postgres_leaves_nothing_it_owned(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer, postgres_engine: Engine
) -> None:
    api = on_postgres(private_redis.url)
    ada = api.signed_in("ada@example.com")
    user_id = ada["user"]["id"]
    gone = api.call("DELETE", "/me", token=ada["access_token"], json={"password": PASSWORD})
    assert gone.status_code == 204
    assert_refused_token(api.call("GET", "/me", token=ada["access_token"]))
    with postgres_engine.connect() as connection:
        for table in ("users", "sessions", "refresh_tokens", "mfa_factors", "backup_codes"):
            column = "id" if table == "users" else "user_id"
            count = connection.execute(
                text(f"SELECT count(*) FROM {table} WHERE {column} = :id"),  # noqa: S608
                {"id": user_id},
            ).scalar_one()
            assert count == 0, table
        events = connection.execute(
            text("SELECT count(*) FROM account_events WHERE user_id = :id"), {"id": user_id}
        ).scalar_one()
    assert events == 0


def test_a_refused_step_up_on_postgres_answers_401_and_keeps_its_event(
    on_postgres: Callable[..., Bastion], private_redis: RedisServer, postgres_engine: Engine
) -> None:
    """Recorded while the use case held the user row ``FOR UPDATE``, the event's foreign
    key check waited on that row until ``lock_timeout`` and the refusal answered 503."""
    api = on_postgres(private_redis.url)
    ada = api.signed_in("ada@example.com")
    wrong = {"password": "not the password at all"}
    deleting = api.call("DELETE", "/me", token=ada["access_token"], json=wrong)
    assert deleting.status_code == 401, deleting.get_data(as_text=True)
    moving = {**wrong, "new_email": "augusta@example.com"}
    assert api.call("POST", "/me/email", token=ada["access_token"], json=moving).status_code == 401
    assert api.log_in("ada@example.com").status_code == 200
    with postgres_engine.connect() as db:
        actions = db.execute(
            text(
                "SELECT metadata->>'action' FROM account_events"
                " WHERE type = 'step_up.failed' AND user_id = :id ORDER BY occurred_at, id"
            ),
            {"id": ada["user"]["id"]},
        ).scalars()
        assert sorted(actions) == ["change_email", "delete_account"]
