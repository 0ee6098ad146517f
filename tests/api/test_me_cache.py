"""``GET /me`` reads the profile with the session: filled on a read, dropped by every
committed write to the user (a failed sign-in moves ``updated_at`` too)."""

from __future__ import annotations

from uuid import UUID

import pytest
from dependency_injector import providers

from domain.ids import SessionId, UserId
from domain.users import UserProfile
from domain.values import EmailAddress
from tests.api.conftest import Bastion, BastionFactory


def _cached(bastion: Bastion, user_id: str) -> UserProfile | None:
    cache = bastion.container.session_cache()
    return cache.read(SessionId(UUID(int=0)), UserId(UUID(user_id))).profile


def test_get_me_fills_the_cache_and_any_sign_in_attempt_drops_it(bastion: Bastion) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    bastion.clock.advance(seconds=11)  # past the tombstone of the sign-in itself
    me = bastion.call("GET", "/me", token=token).json
    assert _cached(bastion, me["id"]) is not None

    assert bastion.log_in("ada@example.com", "not the password at all").status_code == 401
    assert _cached(bastion, me["id"]) is None  # updated_at moved
    bastion.clock.advance(seconds=11)
    after_failure = bastion.call("GET", "/me", token=token).json
    assert after_failure["updated_at"] != me["updated_at"]
    assert _cached(bastion, me["id"]) is not None

    assert bastion.log_in("ada@example.com").status_code == 200
    assert _cached(bastion, me["id"]) is None  # last_login_at is part of the profile


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_every_write_to_a_user_is_told_after_its_commit(
    make_bastion: BastionFactory, store: str
) -> None:
    told: list[frozenset[UserId]] = []
    bastion = make_bastion(store)
    bastion.container.forget_profiles.override(providers.Object(told.append))
    token = bastion.signed_in("ada@example.com")["access_token"]
    ada = UserId(UUID(bastion.call("GET", "/me", token=token).json["id"]))
    told.clear()

    assert bastion.log_in("nobody@example.com", "not the password at all").status_code == 401
    assert told == []  # no user was written
    assert bastion.log_in("ada@example.com", "not the password at all").status_code == 401
    assert told == [frozenset({ada})]
    bastion.clock.advance(seconds=1)
    assert bastion.log_in("ada@example.com").status_code == 200
    assert told[-1] == frozenset({ada})
    told.clear()
    assert (
        bastion.call("PATCH", "/me", token=token, json={"first_name": "Augusta"}).status_code == 200
    )
    assert told == [frozenset({ada})]


def test_a_read_only_unit_of_work_refuses_to_write(make_bastion: BastionFactory) -> None:
    bastion = make_bastion("sql")
    bastion.verified_user("ada@example.com")
    with bastion.container.uow() as uow:
        found = uow.users.get_by_email(EmailAddress("ada@example.com"))
    assert found is not None
    with pytest.raises(RuntimeError, match="read-only"), bastion.container.read_uow() as uow:
        uow.users.save(found)
