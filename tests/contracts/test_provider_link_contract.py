"""The provider-link repository's contract, run against memory, SQLite and PostgreSQL
alike: an identity belongs to one account, an account has one identity per provider,
links go with their user, and a key rotation pages through the sealed tokens and
re-seals each only over the token it read."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from threading import Barrier
from typing import Any

import pytest
from sqlalchemy import Engine

from adapters.sqlalchemy.migrate import upgrade
from domain.errors import ProviderAlreadyLinkedError, ProviderLinkExistsError
from domain.social import LinkStatus, Provider, ProviderLink
from domain.users import User
from tests.contracts.persistence_backends import (
    START,
    UowFactory,
    a_user,
    memory_backend,
    sql_backend,
    sqlite_copy,
    store,
)

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.integration)]


@pytest.fixture(scope="session")
def provider_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("provider-sqlite-template") / "bastion.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_engine(tmp_path: Path, provider_sqlite_template: Path) -> Iterator[Engine]:
    engine = sqlite_copy(provider_sqlite_template, tmp_path / "bastion.db", pool_size=25)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def uow_factory(request: pytest.FixtureRequest) -> UowFactory:
    if request.param == "memory":
        return memory_backend()
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    return sql_backend(engine)


def a_link(user: User, **overrides: Any) -> ProviderLink:
    link = ProviderLink(
        provider=Provider.GOOGLE,
        subject=f"sub-{user.id.int}",
        user_id=user.id,
        email=user.email.value,
        status=LinkStatus.CONNECTED,
        sealed_token="gAAAAA-sealed",
        scope="openid email profile",
        linked_at=START,
        last_sync_at=START,
    )
    return replace(link, **overrides)


def added(uow_factory: UowFactory, *links: ProviderLink) -> None:
    with uow_factory() as uow:
        for link in links:
            uow.provider_links.add(link)
        uow.commit()


def test_a_link_reads_back_field_for_field(uow_factory: UowFactory) -> None:
    owner = a_user()
    store(uow_factory, owner)
    link = a_link(owner, subject="x" * 255, scope=None, last_sync_at=None)
    added(uow_factory, link)

    with uow_factory() as uow:
        found = uow.provider_links.get(Provider.GOOGLE, "x" * 255)
        assert found is not None
        assert (found.user_id, found.email, found.status, found.sealed_token) == (
            owner.id,
            owner.email.value,
            LinkStatus.CONNECTED,
            "gAAAAA-sealed",
        )
        assert (found.scope, found.linked_at, found.last_sync_at) == (None, START, None)
        assert uow.provider_links.get(Provider.GITHUB, "x" * 255) is None
        assert uow.provider_links.get_for_user(owner.id, Provider.GOOGLE) == link
        assert uow.provider_links.count_for_user(owner.id) == 1


def test_an_identity_belongs_to_one_account(uow_factory: UowFactory) -> None:
    first, second = a_user(), a_user()
    store(uow_factory, first, second)
    added(uow_factory, a_link(first, subject="same"))

    with uow_factory() as uow:
        with pytest.raises(ProviderLinkExistsError):
            uow.provider_links.add(a_link(second, subject="same"))
        uow.provider_links.add(a_link(second, subject="same", provider=Provider.GITHUB))
        uow.commit()  # the transaction went on after the refusal
    with uow_factory() as uow:
        assert uow.provider_links.count_for_user(second.id) == 1


def test_an_account_has_one_identity_per_provider(uow_factory: UowFactory) -> None:
    owner = a_user()
    store(uow_factory, owner)
    added(uow_factory, a_link(owner, subject="one"))

    with uow_factory() as uow, pytest.raises(ProviderAlreadyLinkedError):
        uow.provider_links.add(a_link(owner, subject="two"))


def test_links_list_in_provider_order_save_and_delete(uow_factory: UowFactory) -> None:
    owner = a_user()
    store(uow_factory, owner)
    added(
        uow_factory,
        a_link(owner, provider=Provider.APPLE, subject="a"),
        a_link(owner, provider=Provider.GOOGLE, subject="g"),
        a_link(owner, provider=Provider.GITHUB, subject="h"),
    )
    later = START + timedelta(hours=1)

    with uow_factory() as uow:
        link = uow.provider_links.get(Provider.GITHUB, "h", for_update=True)
        assert link is not None
        link.sync("new@example.com", None, "read:user", later)
        uow.provider_links.save(link)
        uow.commit()
    with uow_factory() as uow:
        listed = uow.provider_links.list_for_user(owner.id)
        assert [link.provider for link in listed] == [
            Provider.GOOGLE,
            Provider.GITHUB,
            Provider.APPLE,
        ]
        synced = listed[1]
        assert (synced.email, synced.sealed_token, synced.status, synced.last_sync_at) == (
            "new@example.com",
            None,
            LinkStatus.TOKEN_MISSING,
            later,
        )
        assert synced.scope == "read:user"
        assert uow.provider_links.delete(owner.id, Provider.APPLE)
        assert not uow.provider_links.delete(owner.id, Provider.APPLE)
        uow.commit()
    with uow_factory() as uow:
        assert uow.provider_links.count_for_user(owner.id) == 2


def test_links_go_with_their_user(uow_factory: UowFactory) -> None:
    owner = a_user()
    store(uow_factory, owner)
    added(uow_factory, a_link(owner))

    with uow_factory() as uow:
        assert uow.users.delete(owner.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.provider_links.get(Provider.GOOGLE, f"sub-{owner.id.int}") is None


def test_parallel_links_of_one_identity_link_it_once(uow_factory: UowFactory) -> None:
    users = [a_user() for _ in range(4)]
    store(uow_factory, *users)
    barrier = Barrier(len(users))

    def link(user: User) -> str:
        barrier.wait(timeout=10)
        with uow_factory() as uow:
            try:
                uow.provider_links.add(a_link(user, subject="contested"))
            except ProviderLinkExistsError:
                return "refused"
            uow.commit()
        return "linked"

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        outcomes = list(pool.map(link, users))

    assert sorted(outcomes) == ["linked"] + ["refused"] * 3


def test_sealed_tokens_are_listed_in_pages_by_provider_and_subject(
    uow_factory: UowFactory,
) -> None:
    ada, eve = a_user(), a_user()
    store(uow_factory, ada, eve)
    tokenless = a_link(eve, provider=Provider.APPLE, subject="a2", sealed_token=None)
    added(
        uow_factory,
        a_link(ada, provider=Provider.GOOGLE, subject="g1"),
        a_link(ada, provider=Provider.GITHUB, subject="h1"),
        a_link(eve, provider=Provider.GOOGLE, subject="g2", sealed_token="gAAAAA-eve"),
        replace(tokenless, status=LinkStatus.TOKEN_MISSING),
    )

    with uow_factory() as uow:
        first = uow.provider_links.list_sealed(None, 2)
        rest = uow.provider_links.list_sealed(first[-1].key, 2)
        after_the_last = uow.provider_links.list_sealed(rest[-1].key, 2)

    # github's "h1" sorts after google's "g1" by subject, yet its provider comes first
    assert [link.key for link in first + rest] == [
        (Provider.GITHUB, "h1"),
        (Provider.GOOGLE, "g1"),
        (Provider.GOOGLE, "g2"),
    ]
    assert [link.sealed_token for link in rest] == ["gAAAAA-eve"]
    assert after_the_last == []


def test_a_reseal_writes_only_over_the_token_it_read(uow_factory: UowFactory) -> None:
    owner = a_user()
    store(uow_factory, owner)
    link = a_link(owner, sealed_token="v1.read-by-the-rotation")
    gone = a_link(owner, provider=Provider.GITHUB, subject="unlinked")
    added(uow_factory, link, gone)
    later = START + timedelta(hours=1)
    with uow_factory() as uow:  # a sign-in stores a new token, an unlink drops a link
        link.sync(None, "v1.from-a-sign-in", "openid", later)
        uow.provider_links.save(link)
        assert uow.provider_links.delete(owner.id, Provider.GITHUB)
        uow.commit()

    with uow_factory() as uow:
        reseal = uow.provider_links.reseal
        stale = reseal(link.provider, link.subject, "v1.read-by-the-rotation", "v2.stale")
        unlinked = reseal(gone.provider, gone.subject, "gAAAAA-sealed", "v2.unlinked")
        fresh = reseal(link.provider, link.subject, "v1.from-a-sign-in", "v2.new")
        uow.commit()

    with uow_factory() as uow:
        stored = uow.provider_links.get(link.provider, link.subject)
        assert uow.provider_links.get(gone.provider, gone.subject) is None
    assert (stale, unlinked, fresh) == (False, False, True)
    assert stored is not None
    assert (stored.sealed_token, stored.scope, stored.status, stored.last_sync_at) == (
        "v2.new",
        "openid",
        LinkStatus.CONNECTED,
        later,
    )
