"""The passkey repository's contract, run against memory, SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine

from adapters.sqlalchemy.migrate import upgrade
from domain.errors import PasskeyExistsError
from domain.passkeys import DeviceType, Passkey
from domain.users import User
from domain.values import EmailAddress
from tests.contracts.persistence_backends import (
    START,
    UowFactory,
    a_user,
    memory_backend,
    sql_backend,
    sqlite_copy,
    store,
)

T = TypeVar("T")
BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.integration)]


@pytest.fixture(scope="session")
def passkey_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("passkey-sqlite-template") / "bastion.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_engine(tmp_path: Path, passkey_sqlite_template: Path) -> Iterator[Engine]:
    engine = sqlite_copy(passkey_sqlite_template, tmp_path / "bastion.db", pool_size=25)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def uow_factory(request: pytest.FixtureRequest) -> UowFactory:
    if request.param == "memory":
        return memory_backend()
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    return sql_backend(engine)


def a_passkey(user: User, **overrides: Any) -> Passkey:
    passkey = Passkey(
        id=os.urandom(32),
        user_id=user.id,
        name="Laptop",
        public_key=os.urandom(77),
        counter=0,
        device_type=DeviceType.MULTI_DEVICE,
        backed_up=True,
        transports=("internal", "hybrid"),
        created_at=START,
    )
    return replace(passkey, **overrides)


def added(uow_factory: UowFactory, *passkeys: Passkey) -> None:
    with uow_factory() as uow:
        for passkey in passkeys:
            uow.passkeys.add(passkey)
        uow.commit()


def in_parallel(count: int, work: Callable[[], T]) -> list[T]:
    barrier = threading.Barrier(count)

    def run() -> T:
        barrier.wait(timeout=10)
        return work()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [future.result(timeout=30) for future in futures]


def test_a_passkey_reads_back_field_for_field_and_only_for_its_owner(
    uow_factory: UowFactory,
) -> None:
    owner, other = a_user(), a_user()
    store(uow_factory, owner, other)
    passkey = a_passkey(
        owner,
        id=os.urandom(1023),
        public_key=os.urandom(300),
        counter=2**32 - 1,
        device_type=DeviceType.SINGLE_DEVICE,
        backed_up=False,
        transports=("usb", "nfc"),
        last_used_at=START + timedelta(minutes=5),
    )
    added(uow_factory, passkey)

    with uow_factory() as uow:
        found = uow.passkeys.get(passkey.id)
        assert found is not None
        assert (found.id, found.public_key, found.counter) == (
            passkey.id,
            passkey.public_key,
            passkey.counter,
        )
        assert (found.device_type, found.backed_up, found.transports) == (
            DeviceType.SINGLE_DEVICE,
            False,
            ("usb", "nfc"),
        )
        assert (found.name, found.created_at, found.last_used_at) == (
            "Laptop",
            START,
            START + timedelta(minutes=5),
        )
        assert uow.passkeys.get_for_user(owner.id, passkey.id) is not None
        assert uow.passkeys.get_for_user(other.id, passkey.id) is None
        assert uow.passkeys.get(os.urandom(32)) is None


def test_a_credential_id_is_registered_once_to_anyone(uow_factory: UowFactory) -> None:
    first, second = a_user(), a_user()
    store(uow_factory, first, second)
    passkey = a_passkey(first)
    added(uow_factory, passkey)

    with uow_factory() as uow:
        with pytest.raises(PasskeyExistsError):
            uow.passkeys.add(a_passkey(second, id=passkey.id))
        uow.passkeys.add(a_passkey(second))  # the transaction goes on
        uow.commit()
    with uow_factory() as uow:
        assert uow.passkeys.count_for_user(second.id) == 1


def test_lists_are_newest_first_and_by_email_ignoring_case(uow_factory: UowFactory) -> None:
    user = a_user(email=EmailAddress.parse("keys@example.com"))
    store(uow_factory, user)
    older = a_passkey(user, created_at=START)
    newer = a_passkey(user, created_at=START + timedelta(hours=1))
    added(uow_factory, older, newer)

    with uow_factory() as uow:
        assert [p.id for p in uow.passkeys.list_for_user(user.id)] == [newer.id, older.id]
        by_email = uow.passkeys.list_for_email(EmailAddress.parse("KEYS@example.com"))
        assert [p.id for p in by_email] == [newer.id, older.id]
        assert uow.passkeys.list_for_email(EmailAddress.parse("nobody@example.com")) == []
        assert uow.passkeys.count_for_user(user.id) == 2


def test_rename_and_delete_touch_only_the_owners_passkey(uow_factory: UowFactory) -> None:
    owner, other = a_user(), a_user()
    store(uow_factory, owner, other)
    passkey = a_passkey(owner)
    added(uow_factory, passkey)

    with uow_factory() as uow:
        assert not uow.passkeys.rename(other.id, passkey.id, "Mine now")
        assert not uow.passkeys.delete(other.id, passkey.id)
        assert uow.passkeys.rename(owner.id, passkey.id, "Phone")
        uow.commit()
    with uow_factory() as uow:
        found = uow.passkeys.get(passkey.id)
        assert found is not None
        assert found.name == "Phone"
        assert uow.passkeys.delete(owner.id, passkey.id)
        assert not uow.passkeys.delete(owner.id, passkey.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.passkeys.get(passkey.id) is None


def test_record_use_moves_the_counter_only_forward_or_from_zero_to_zero(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    store(uow_factory, user)
    counting, synced = a_passkey(user, counter=5), a_passkey(user, counter=0)
    added(uow_factory, counting, synced)
    at = START + timedelta(minutes=1)

    with uow_factory() as uow:
        assert not uow.passkeys.record_use(counting.id, seen=5, presented=5, backed_up=True, at=at)
        assert not uow.passkeys.record_use(counting.id, seen=5, presented=4, backed_up=True, at=at)
        assert not uow.passkeys.record_use(counting.id, seen=4, presented=9, backed_up=True, at=at)
        assert uow.passkeys.record_use(counting.id, seen=5, presented=6, backed_up=False, at=at)
        assert uow.passkeys.record_use(synced.id, seen=0, presented=0, backed_up=True, at=at)
        assert uow.passkeys.record_use(synced.id, seen=0, presented=0, backed_up=True, at=at)
        uow.commit()
    with uow_factory() as uow:
        found = uow.passkeys.get(counting.id)
        assert found is not None
        assert (found.counter, found.backed_up, found.last_used_at) == (6, False, at)


def test_a_rolled_back_use_leaves_the_counter(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    passkey = a_passkey(user, counter=3)
    added(uow_factory, passkey)

    with uow_factory() as uow:
        assert uow.passkeys.record_use(passkey.id, seen=3, presented=4, backed_up=True, at=START)
    with uow_factory() as uow:
        found = uow.passkeys.get(passkey.id)
        assert found is not None
        assert found.counter == 3


def test_of_parallel_uses_with_one_counter_exactly_one_wins(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    passkey = a_passkey(user, counter=7)
    added(uow_factory, passkey)

    def use() -> bool:
        with uow_factory() as uow:
            stored = uow.passkeys.get(passkey.id)
            assert stored is not None
            won = uow.passkeys.record_use(
                passkey.id, seen=stored.counter, presented=8, backed_up=True, at=START
            )
            uow.commit()
            return won

    assert sorted(in_parallel(8, use)) == [False] * 7 + [True]


def test_a_user_handle_is_made_once_and_kept(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    first, second = os.urandom(64), os.urandom(64)

    with uow_factory() as uow:
        assert uow.passkeys.handle_of(user.id) is None
        assert uow.passkeys.ensure_handle(user.id, first) == first
        uow.commit()
    with uow_factory() as uow:
        assert uow.passkeys.ensure_handle(user.id, second) == first
        assert uow.passkeys.handle_of(user.id) == first


def test_concurrent_first_handles_agree_on_one(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)

    def ensure() -> bytes:
        with uow_factory() as uow:
            handle = uow.passkeys.ensure_handle(user.id, os.urandom(64))
            uow.commit()
            return handle

    assert len(set(in_parallel(6, ensure))) == 1


def test_deleting_a_user_deletes_their_passkeys_and_handle(uow_factory: UowFactory) -> None:
    doomed, kept = a_user(), a_user()
    store(uow_factory, doomed, kept)
    theirs, mine = a_passkey(doomed), a_passkey(kept)
    added(uow_factory, theirs, mine)
    with uow_factory() as uow:
        uow.passkeys.ensure_handle(doomed.id, os.urandom(64))
        uow.commit()

    with uow_factory() as uow:
        assert uow.users.delete(doomed.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.passkeys.get(theirs.id) is None
        assert uow.passkeys.handle_of(doomed.id) is None
        assert uow.passkeys.get(mine.id) is not None
