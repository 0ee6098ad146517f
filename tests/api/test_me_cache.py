"""``GET /me`` from the profile cache: filled on a read, dropped by a visible change, kept
by a failed sign-in, and never trusted blindly."""

from __future__ import annotations

from uuid import UUID

import pytest
from dependency_injector import providers

from domain.ids import UserId
from domain.values import EmailAddress
from tests.api.conftest import Bastion, BastionFactory


def _cached(bastion: Bastion, user_id: str) -> str | None:
    found: str | None = bastion.container.profile_cache().get(UserId(UUID(user_id)))
    return found


def test_a_failed_sign_in_keeps_the_cached_profile_and_a_success_drops_it(
    bastion: Bastion,
) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    bastion.clock.advance(seconds=11)  # past the tombstone of the sign-in itself
    me = bastion.call("GET", "/me", token=token).json
    assert _cached(bastion, me["id"]) is not None

    assert bastion.log_in("ada@example.com", "not the password at all").status_code == 401
    assert _cached(bastion, me["id"]) is not None

    assert bastion.log_in("ada@example.com").status_code == 200
    assert _cached(bastion, me["id"]) is None  # last_login_at is part of the profile


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_a_sign_in_and_a_change_drop_the_profile_and_a_failed_sign_in_does_not(
    make_bastion: BastionFactory, store: str
) -> None:
    told: list[frozenset[UserId]] = []
    bastion = make_bastion(store)
    bastion.container.forget_profiles.override(providers.Object(told.append))
    token = bastion.signed_in("ada@example.com")["access_token"]
    ada = UserId(UUID(bastion.call("GET", "/me", token=token).json["id"]))
    told.clear()

    assert bastion.log_in("ada@example.com", "not the password at all").status_code == 401
    assert told == []
    bastion.clock.advance(seconds=1)
    assert bastion.log_in("ada@example.com").status_code == 200
    assert told == [frozenset({ada})]  # last_login_at is part of the profile
    assert (
        bastion.call("PATCH", "/me", token=token, json={"first_name": "Augusta"}).status_code == 200
    )
    assert told[-1] == frozenset({ada})


def test_a_damaged_or_foreign_cached_value_is_read_past(bastion: Bastion) -> None:
    token = bastion.signed_in("ada@example.com")["access_token"]
    bastion.clock.advance(seconds=11)
    me = bastion.call("GET", "/me", token=token).json
    cache = bastion.container.profile_cache()
    cache.forget([UserId(UUID(me["id"]))])
    bastion.clock.advance(seconds=11)
    cache.remember(UserId(UUID(me["id"])), '{"an": "older shape"}')

    again = bastion.call("GET", "/me", token=token)
    assert again.status_code == 200
    assert again.json == me


def test_a_read_only_unit_of_work_refuses_to_write(make_bastion: BastionFactory) -> None:
    bastion = make_bastion("sql")
    bastion.verified_user("ada@example.com")
    with bastion.container.uow() as uow:
        found = uow.users.get_by_email(EmailAddress("ada@example.com"))
    assert found is not None
    with pytest.raises(RuntimeError, match="read-only"), bastion.container.read_uow() as uow:
        uow.users.save(found)
