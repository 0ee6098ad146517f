"""The persistence ports' contract, run against memory, SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event

from adapters.sqlalchemy.engine import build_engine
from adapters.sqlalchemy.health import SqlHealthProbe
from adapters.sqlalchemy.migrate import downgrade, upgrade
from adapters.sqlalchemy.rows import Base
from application.ports.persistence import Keyset
from domain.errors import EmailTakenError, ExportInProgressError, UnavailableError
from domain.events import EventDraft, EventType
from domain.exports import Export, ExportStatus, FailureReason, file_key
from domain.factors import BackupCode, FactorKind, SecondFactor
from domain.ids import BackupCodeId, ExportId, FactorId, SessionId, TaskId
from domain.sessions import AuthMethod, Location, RevokeReason, SessionStatus, VerificationStatus
from domain.tasks import DeletedTask, Task
from domain.users import Role, User, UserStatus
from domain.values import EmailAddress, PersonName, PhoneNumber
from tests.contracts.persistence_backends import (
    START,
    UowFactory,
    a_session,
    a_token,
    a_user,
    memory_backend,
    next_serial,
    sql_backend,
    sqlite_copy,
    store,
)
from tests.fixtures.postgres import free_port
from tests.support.clock import ManualClock

T = TypeVar("T")
BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.integration)]
SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.integration)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "bastion.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    engine = sqlite_copy(sqlite_template, tmp_path / "bastion.db", pool_size=25)
    yield engine
    engine.dispose()


def _engine(request: pytest.FixtureRequest, backend: str) -> Engine:
    engine: Engine = request.getfixturevalue(f"{backend}_engine")
    return engine


@pytest.fixture(params=BACKENDS)
def uow_factory(request: pytest.FixtureRequest) -> UowFactory:
    if request.param == "memory":
        return memory_backend()
    return sql_backend(_engine(request, request.param))


@pytest.fixture(params=SQL_BACKENDS)
def sql_engine(request: pytest.FixtureRequest) -> Engine:
    return _engine(request, request.param)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def in_parallel(count: int, work: Callable[[], T]) -> list[T]:
    """Run ``work`` on ``count`` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run() -> T:
        barrier.wait(timeout=10)
        return work()

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [future.result(timeout=30) for future in futures]


# --- users -----------------------------------------------------------------------------


def test_an_added_user_reads_back_field_for_field(uow_factory: UowFactory) -> None:
    user = a_user(
        email_verified=True,
        email_verified_at=START,
        phone=PhoneNumber.parse("+14155550100"),
        phone_verified=True,
        phone_verified_at=START,
        display_name=PersonName.parse("Countess", "display_name"),
        avatar_url="https://cdn.example.com/a.png",
        avatar_key="avatars/a.png",
        avatar_size=1234,
        avatar_mime_type="image/png",
        role=Role.ADMIN,
        metadata={"locale": "en-GB", "beta": True},
        last_login_at=START + timedelta(minutes=5),
        failed_login_count=3,
    )
    store(uow_factory, user)

    with uow_factory() as uow:
        by_id = uow.users.get(user.id)
        by_email = uow.users.get_by_email(user.email)

    assert by_id is not None
    assert by_email is not None
    assert asdict(by_id) == asdict(user) == asdict(by_email)


def test_an_unknown_user_reads_as_none(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        assert uow.users.get(a_user().id) is None
        assert uow.users.get_by_email(EmailAddress.parse("nobody@example.com")) is None


def test_email_lookup_ignores_case(uow_factory: UowFactory) -> None:
    user = a_user(email=EmailAddress.parse("ada@example.com"))
    store(uow_factory, user)

    with uow_factory() as uow:
        found = uow.users.get_by_email(EmailAddress("ADA@Example.COM"))

    assert found is not None
    assert found.id == user.id


def test_an_email_is_taken_whatever_its_case_and_the_transaction_goes_on(
    uow_factory: UowFactory,
) -> None:
    store(uow_factory, a_user(email=EmailAddress.parse("ada@example.com")))
    other = a_user()

    with uow_factory() as uow:
        with pytest.raises(EmailTakenError):
            uow.users.add(a_user(email=EmailAddress("ADA@EXAMPLE.COM")))
        uow.users.add(other)
        uow.commit()

    with uow_factory() as uow:
        assert uow.users.get(other.id) is not None


def test_two_concurrent_registrations_of_one_email_let_exactly_one_win(
    uow_factory: UowFactory,
) -> None:
    email = EmailAddress.parse(f"race{next_serial()}@example.com")

    def register() -> str:
        try:
            with uow_factory() as uow:
                uow.users.add(a_user(email=email))
                time.sleep(0.02)  # hold the uncommitted row while the other one inserts
                uow.commit()
        except EmailTakenError:
            return "taken"
        return "registered"

    assert sorted(in_parallel(2, register)) == ["registered", "taken"]


def test_an_uncommitted_add_or_save_is_lost(uow_factory: UowFactory, clock: ManualClock) -> None:
    user = a_user()
    store(uow_factory, user)
    never_committed = a_user()

    with uow_factory() as uow:
        uow.users.add(never_committed)
        loaded = uow.users.get(user.id, for_update=True)
        assert loaded is not None
        loaded.record_login(clock.advance(60))
        uow.users.save(loaded)

    with uow_factory() as uow:
        assert uow.users.get(never_committed.id) is None
        unchanged = uow.users.get(user.id)
    assert unchanged is not None
    assert asdict(unchanged) == asdict(user)


def test_entities_are_copies_so_only_save_changes_the_store(
    uow_factory: UowFactory, clock: ManualClock
) -> None:
    user = a_user()
    store(uow_factory, user)
    user.record_failed_login(clock.now())  # the caller's object after add: not stored

    with uow_factory() as uow:
        loaded = uow.users.get(user.id)
        assert loaded is not None
        assert loaded.failed_login_count == 0
        loaded.record_failed_login(clock.now())  # changed, never saved
        assert (uow.users.get(user.id) or loaded).failed_login_count == 0
        saved = uow.users.get(user.id)
        assert saved is not None
        saved.record_login(clock.advance(60))
        uow.users.save(saved)
        saved.record_failed_login(clock.advance(60))  # after save: not stored
        uow.commit()

    with uow_factory() as uow:
        final = uow.users.get(user.id)
    assert final is not None
    assert final.last_login_at == START + timedelta(seconds=60)
    assert final.failed_login_count == 0


def test_purging_unverified_users_deletes_everything_they_own(uow_factory: UowFactory) -> None:
    cutoff = START + timedelta(days=7)
    doomed = a_user()
    verified = a_user(email_verified=True, email_verified_at=START)
    recent = a_user(created_at=cutoff, updated_at=cutoff)
    doomed_session, kept_session = a_session(doomed), a_session(verified)
    doomed_token = a_token(doomed_session)
    store(uow_factory, doomed, verified, recent, doomed_session, kept_session, doomed_token)
    with uow_factory() as uow:
        uow.events.add(EventDraft(type=EventType.USER_REGISTERED, user_id=doomed.id, at=START))
        uow.commit()

    with uow_factory() as uow:
        deleted = uow.users.delete_unverified_created_before(cutoff, limit=10)
        uow.commit()

    assert deleted == [doomed.id]
    with uow_factory() as uow:
        assert uow.users.get(doomed.id) is None
        assert uow.sessions.get(doomed_session.id) is None
        assert uow.refresh_tokens.find(doomed_token.token_hash) is None
        assert uow.events.list_for_user(doomed.id) == []
        assert uow.users.get(verified.id) is not None
        assert uow.users.get(recent.id) is not None
        assert uow.sessions.get(kept_session.id) is not None


def test_deleting_a_user_takes_everything_they_own_and_nothing_else(
    uow_factory: UowFactory,
) -> None:
    doomed, kept = a_user(), a_user()
    doomed_session, kept_session = a_session(doomed), a_session(kept)
    doomed_token, kept_token = a_token(doomed_session), a_token(kept_session)
    store(uow_factory, doomed, kept, doomed_session, kept_session, doomed_token, kept_token)
    enable(uow_factory, a_factor(doomed), a_factor(kept))
    give_codes(uow_factory, doomed, backup_codes(doomed))
    with uow_factory() as uow:
        for user, session in ((doomed, doomed_session), (kept, kept_session)):
            uow.events.add(
                EventDraft(
                    type=EventType.SESSION_CREATED, user_id=user.id, session_id=session.id, at=START
                )
            )
        uow.revocations.add(doomed_session.id, START)
        uow.commit()

    with uow_factory() as uow:
        assert uow.users.delete(doomed.id) is True
        uow.commit()

    with uow_factory() as uow:
        assert uow.users.get(doomed.id) is None
        assert uow.sessions.get(doomed_session.id) is None
        assert uow.refresh_tokens.find(doomed_token.token_hash) is None
        assert uow.events.list_for_user(doomed.id) == []
        assert uow.factors.list_for_user(doomed.id) == []
        assert uow.backup_codes.count_unused(doomed.id) == 0
        assert uow.revocations.pending() == [doomed_session.id]  # still to be tombstoned
        assert uow.users.get(kept.id) is not None
        assert uow.sessions.get(kept_session.id) is not None
        assert uow.refresh_tokens.find(kept_token.token_hash) is not None
        assert len(uow.events.list_for_user(kept.id)) == 1
        assert len(uow.factors.list_for_user(kept.id)) == 1
        assert uow.users.delete(doomed.id) is False


def test_a_rolled_back_deletion_keeps_the_user(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)

    with uow_factory() as uow:
        uow.users.delete(user.id)

    with uow_factory() as uow:
        assert uow.users.get(user.id) is not None


def test_saving_an_email_another_user_holds_is_refused(uow_factory: UowFactory) -> None:
    first, second = a_user(), a_user()
    store(uow_factory, first, second)
    taken = replace(second, email=EmailAddress.parse(first.email.value.upper()))

    with uow_factory() as uow, pytest.raises(EmailTakenError):
        uow.users.save(taken)  # at the latest on commit; every backend here refuses at once

    with uow_factory() as uow:
        stored = uow.users.get(second.id)
        assert stored is not None
        assert stored.email == second.email
        renamed = replace(stored, email=EmailAddress.parse("Fresh.Address@Example.com"))
        uow.users.save(renamed)
        uow.commit()
    with uow_factory() as uow:
        found = uow.users.get_by_email(EmailAddress.parse("fresh.address@example.com"))
        assert found is not None
        assert found.id == second.id


def test_purging_takes_the_oldest_first_up_to_the_limit(uow_factory: UowFactory) -> None:
    users = [a_user(created_at=START + timedelta(hours=h)) for h in (3, 1, 2)]
    store(uow_factory, *users)

    with uow_factory() as uow:
        deleted = uow.users.delete_unverified_created_before(START + timedelta(days=1), limit=2)
        uow.commit()

    assert deleted == [users[1].id, users[2].id]


# --- sessions --------------------------------------------------------------------------


def test_a_session_reads_back_field_for_field(uow_factory: UowFactory) -> None:
    user = a_user()
    session = a_session(
        user,
        methods=(AuthMethod.PASSWORD, AuthMethod.OTP),
        trust_score=65,
        verification=VerificationStatus.VERIFIED,
        location=Location("GB", "London", "Europe/London"),
        metadata={"client": "cli"},
    )
    session.revoke(RevokeReason.LOGOUT, START + timedelta(hours=1))
    store(uow_factory, user, session)

    with uow_factory() as uow:
        loaded = uow.sessions.get(session.id, for_update=True)

    assert loaded is not None
    assert asdict(loaded) == asdict(session)


def test_list_active_returns_live_sessions_newest_first(uow_factory: UowFactory) -> None:
    user, stranger = a_user(), a_user()
    older = a_session(user)
    newer = a_session(user, created_at=START + timedelta(hours=1))
    revoked = a_session(user, created_at=START + timedelta(hours=2))
    revoked.revoke(RevokeReason.USER, START + timedelta(hours=2))
    expired = replace(a_session(user), expires_at=START + timedelta(hours=3))
    store(uow_factory, user, stranger, older, newer, revoked, expired, a_session(stranger))

    with uow_factory() as uow:
        active = uow.sessions.list_active(user.id, START + timedelta(hours=3))

    assert [s.id for s in active] == [newer.id, older.id]


def test_seen_before_compares_device_family_and_network_prefix(uow_factory: UowFactory) -> None:
    user, stranger = a_user(), a_user()
    earlier = a_session(user)
    earlier.revoke(RevokeReason.LOGOUT, START)  # revoked sessions count too
    strangers = a_session(stranger, device=replace(earlier.device, browser="Safari"))
    store(uow_factory, user, stranger, earlier, strangers)
    elsewhere = replace(earlier.network, ip_prefix="198.51.100.0/24")

    with uow_factory() as uow:
        same = uow.sessions.seen_before(user.id, earlier.device, earlier.network)
        new_network = uow.sessions.seen_before(user.id, earlier.device, elsewhere)
        new_device = uow.sessions.seen_before(user.id, strangers.device, earlier.network)
        first = uow.sessions.seen_before(a_user().id, earlier.device, earlier.network)

    assert (same.device, same.network, same.sessions) == (True, True, 1)
    assert (new_network.device, new_network.network) == (True, False)
    assert (new_device.device, new_device.network) == (False, True)
    assert (first.device, first.network, first.sessions) == (False, False, 0)


def test_seen_before_compares_countries_only_against_sessions_with_a_known_one(
    uow_factory: UowFactory,
) -> None:
    user, unplaced_user = a_user(), a_user()
    in_germany = a_session(user, location=Location("DE", "Berlin", "Europe/Berlin"))
    unplaced = a_session(unplaced_user)
    store(uow_factory, user, unplaced_user, in_germany, unplaced)
    device, network = in_germany.device, in_germany.network

    with uow_factory() as uow:
        same = uow.sessions.seen_before(user.id, device, network, "DE")
        other = uow.sessions.seen_before(user.id, device, network, "FR")
        not_asked = uow.sessions.seen_before(user.id, device, network)
        nothing_known = uow.sessions.seen_before(unplaced_user.id, device, network, "FR")
        first = uow.sessions.seen_before(a_user().id, device, network, "FR")

    assert (same.country, other.country, not_asked.country) == (True, False, None)
    assert (nothing_known.country, first.country) == (None, None)


def test_an_unknown_device_part_matches_an_unknown_part(uow_factory: UowFactory) -> None:
    user = a_user()
    session = a_session(user)
    assert session.device.device is None
    store(uow_factory, user, session)

    with uow_factory() as uow:
        seen = uow.sessions.seen_before(user.id, session.device, session.network)

    assert seen.device


def test_is_active_only_for_an_unrevoked_unexpired_session(uow_factory: UowFactory) -> None:
    user = a_user()
    live, revoked = a_session(user), a_session(user)
    revoked.revoke(RevokeReason.ADMIN, START)
    store(uow_factory, user, live, revoked)

    with uow_factory() as uow:
        assert uow.sessions.is_active(live.id, START)
        assert not uow.sessions.is_active(live.id, live.expires_at)
        assert not uow.sessions.is_active(revoked.id, START)
        assert not uow.sessions.is_active(SessionId(UUID(int=next_serial())), START)


def test_record_activity_moves_last_activity(uow_factory: UowFactory) -> None:
    user = a_user()
    session = a_session(user)
    store(uow_factory, user, session)
    later = START + timedelta(minutes=5)

    with uow_factory() as uow:
        uow.sessions.record_activity(session.id, later)
        uow.sessions.record_activity(SessionId(UUID(int=next_serial())), later)
        uow.commit()

    with uow_factory() as uow:
        assert (uow.sessions.get(session.id) or session).last_activity_at == later


def test_a_saved_session_change_is_stored(uow_factory: UowFactory) -> None:
    user = a_user()
    session = a_session(user)
    store(uow_factory, user, session)

    with uow_factory() as uow:
        loaded = uow.sessions.get(session.id, for_update=True)
        assert loaded is not None
        loaded.revoke(RevokeReason.PASSWORD_CHANGED, START + timedelta(hours=1))
        uow.sessions.save(loaded)
        uow.commit()

    with uow_factory() as uow:
        stored = uow.sessions.get(session.id)
    assert stored is not None
    assert stored.revoked_reason is RevokeReason.PASSWORD_CHANGED


# --- refresh tokens --------------------------------------------------------------------


def test_rotate_marks_a_live_token_once_and_returns_it(uow_factory: UowFactory) -> None:
    user = a_user()
    session = a_session(user)
    parent = a_token(session)
    token = a_token(session, parent_id=parent.id)
    store(uow_factory, user, session, parent, token)
    at = START + timedelta(minutes=1)

    with uow_factory() as uow:
        rotated = uow.refresh_tokens.rotate(token.token_hash, at)
        again = uow.refresh_tokens.rotate(token.token_hash, at)
        uow.commit()

    assert rotated is not None
    assert again is None
    assert asdict(rotated) == asdict(replace(token, rotated_at=at))
    with uow_factory() as uow:
        found = uow.refresh_tokens.find(token.token_hash)
    assert found is not None
    assert asdict(found) == asdict(rotated)


def test_rotate_refuses_rotated_revoked_expired_and_unknown_tokens(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    session = a_session(user)
    at = START + timedelta(hours=1)
    rotated = a_token(session, rotated_at=START)
    revoked = a_token(session, revoked_at=START)
    expired = a_token(session, expires_at=at)
    store(uow_factory, user, session, rotated, revoked, expired)

    with uow_factory() as uow:
        for token_hash in (rotated.token_hash, revoked.token_hash, expired.token_hash, "f" * 64):
            assert uow.refresh_tokens.rotate(token_hash, at) is None


def test_a_rolled_back_rotation_leaves_the_token_live(uow_factory: UowFactory) -> None:
    user = a_user()
    session = a_session(user)
    token = a_token(session)
    store(uow_factory, user, session, token)

    with uow_factory() as uow:
        assert uow.refresh_tokens.rotate(token.token_hash, START) is not None

    with uow_factory() as uow:
        assert uow.refresh_tokens.rotate(token.token_hash, START) is not None


def test_of_twenty_concurrent_rotations_exactly_one_wins(uow_factory: UowFactory) -> None:
    user = a_user()
    session = a_session(user)
    token = a_token(session)
    store(uow_factory, user, session, token)

    def rotate() -> bool:
        with uow_factory() as uow:
            won = uow.refresh_tokens.rotate(token.token_hash, START + timedelta(seconds=1))
            uow.commit()
        return won is not None

    assert sorted(in_parallel(20, rotate)) == [False] * 19 + [True]


def test_revoke_for_session_revokes_and_counts_live_tokens(uow_factory: UowFactory) -> None:
    user = a_user()
    session, other = a_session(user), a_session(user)
    at = START + timedelta(hours=1)
    live = [a_token(session), a_token(session)]
    dead = [a_token(session, rotated_at=START), a_token(session, expires_at=at)]
    elsewhere = a_token(other)
    store(uow_factory, user, session, other, *live, *dead, elsewhere)

    with uow_factory() as uow:
        assert uow.refresh_tokens.revoke_for_session(session.id, at) == 2
        uow.commit()

    with uow_factory() as uow:
        assert (uow.refresh_tokens.find(live[0].token_hash) or live[0]).revoked_at == at
        assert uow.refresh_tokens.rotate(live[1].token_hash, at) is None
        assert uow.refresh_tokens.rotate(elsewhere.token_hash, at) is not None


# --- events ----------------------------------------------------------------------------


def test_events_come_back_newest_first_with_their_metadata(uow_factory: UowFactory) -> None:
    user = a_user()
    session = a_session(user)
    store(uow_factory, user, session)
    later = START + timedelta(seconds=1)
    drafts = [
        EventDraft(
            type=EventType.USER_REGISTERED, user_id=user.id, at=START, metadata={"method": "pwd"}
        ),
        EventDraft(
            type=EventType.SESSION_CREATED,
            user_id=user.id,
            session_id=session.id,
            at=later,
            metadata={"browser": "Firefox", "device": None, "trust_score": 40},
        ),
        EventDraft(
            type=EventType.LOGIN_FAILED,
            user_id=user.id,
            at=later,
            metadata={"reason": "wrong_password", "failed_count": 2},
        ),
        EventDraft(
            type=EventType.LOGIN_FAILED, user_id=None, at=START, metadata={"reason": "no_user"}
        ),
    ]

    with uow_factory() as uow:
        recorded = [uow.events.add(draft) for draft in drafts]
        uow.commit()

    with uow_factory() as uow:
        listed = uow.events.list_for_user(user.id)
        limited = uow.events.list_for_user(user.id, limit=1)

    assert len({event.id for event in recorded}) == 4
    assert [asdict(e) for e in listed] == [asdict(recorded[i]) for i in (2, 1, 0)]
    assert [e.id for e in limited] == [recorded[2].id]


# --- revocation outbox -----------------------------------------------------------------


def test_the_outbox_keeps_sessions_in_order_until_removed(uow_factory: UowFactory) -> None:
    first, second = SessionId(UUID(int=next_serial())), SessionId(UUID(int=next_serial()))

    with uow_factory() as uow:
        uow.revocations.add(second, START + timedelta(seconds=1))
        uow.revocations.add(first, START)
        uow.revocations.add(second, START + timedelta(seconds=5))
        uow.commit()

    with uow_factory() as uow:
        assert uow.revocations.pending() == [first, second]
        assert uow.revocations.pending(limit=1) == [first]
        uow.revocations.remove([first])
        uow.revocations.remove([])
        uow.commit()

    with uow_factory() as uow:
        assert uow.revocations.pending() == [second]


# --- second factors and backup codes ---------------------------------------------------


def a_factor(user: User, kind: FactorKind = FactorKind.TOTP, **overrides: Any) -> SecondFactor:
    n = next_serial()
    factor = SecondFactor(
        id=FactorId(UUID(int=n)),
        user_id=user.id,
        kind=kind,
        created_at=START,
        secret=f"v1.sealed-totp-secret-{n}" if kind is FactorKind.TOTP else None,
        phone=PhoneNumber.parse("+14155550100") if kind is FactorKind.SMS else None,
    )
    return replace(factor, **overrides)


def backup_codes(user: User, count: int = 3) -> list[BackupCode]:
    serials = [next_serial() for _ in range(count)]
    return [
        BackupCode(
            id=BackupCodeId(UUID(int=n)), user_id=user.id, code_hash=f"{n:064x}", created_at=START
        )
        for n in serials
    ]


def enable(uow_factory: UowFactory, *factors: SecondFactor) -> None:
    with uow_factory() as uow:
        for factor in factors:
            uow.factors.save(factor)
        uow.commit()


def give_codes(uow_factory: UowFactory, user: User, codes: list[BackupCode]) -> None:
    with uow_factory() as uow:
        uow.backup_codes.replace(user.id, codes)
        uow.commit()


def test_saved_factors_read_back_field_for_field(uow_factory: UowFactory) -> None:
    user, stranger = a_user(), a_user()
    plus_two = timezone(timedelta(hours=2))
    totp = a_factor(user, last_step=59_000_000, last_used_at=START.astimezone(plus_two))
    sms = a_factor(user, FactorKind.SMS, created_at=START + timedelta(hours=1))
    store(uow_factory, user, stranger)
    enable(uow_factory, sms, totp, a_factor(stranger))

    with uow_factory() as uow:
        listed = uow.factors.list_for_user(user.id)
        by_kind = uow.factors.get(user.id, FactorKind.SMS, for_update=True)
        missing = uow.factors.get(a_user().id, FactorKind.TOTP)

    assert [asdict(f) for f in listed] == [asdict(totp), asdict(sms)]
    assert by_kind is not None
    assert asdict(by_kind) == asdict(sms)
    assert missing is None
    assert listed[0].last_used_at == START  # the same instant, whatever offset it came in
    assert listed[0].created_at.utcoffset() == timedelta(0)


def test_saving_a_factor_of_the_same_kind_replaces_the_old_one(uow_factory: UowFactory) -> None:
    user = a_user()
    old, sms = a_factor(user), a_factor(user, FactorKind.SMS)
    new = a_factor(user, created_at=START + timedelta(days=1))
    store(uow_factory, user)
    enable(uow_factory, old, sms)

    enable(uow_factory, new)
    with uow_factory() as uow:
        changed = uow.factors.get(user.id, FactorKind.TOTP)
        assert changed is not None
        changed.last_used_at = START + timedelta(days=2)
        uow.factors.save(changed)
        uow.commit()

    with uow_factory() as uow:
        listed = uow.factors.list_for_user(user.id)
    assert [f.id for f in listed] == [sms.id, new.id]
    assert asdict(listed[1]) == asdict(replace(new, last_used_at=START + timedelta(days=2)))


def test_a_returned_factor_is_a_copy(uow_factory: UowFactory) -> None:
    user = a_user()
    factor = a_factor(user)
    store(uow_factory, user)
    enable(uow_factory, factor)

    with uow_factory() as uow:
        loaded = uow.factors.get(user.id, FactorKind.TOTP)
        assert loaded is not None
        loaded.secret = "changed, never saved"
        again = uow.factors.get(user.id, FactorKind.TOTP)

    assert again is not None
    assert again.secret == factor.secret


def test_deleting_a_factor_says_whether_there_was_one(uow_factory: UowFactory) -> None:
    user = a_user()
    totp, sms = a_factor(user), a_factor(user, FactorKind.SMS)
    store(uow_factory, user)
    enable(uow_factory, totp, sms)

    with uow_factory() as uow:
        assert uow.factors.delete(user.id, FactorKind.TOTP) is True
        assert uow.factors.delete(user.id, FactorKind.TOTP) is False
        uow.commit()

    with uow_factory() as uow:
        assert uow.factors.get(user.id, FactorKind.TOTP) is None
        assert [f.id for f in uow.factors.list_for_user(user.id)] == [sms.id]
        assert uow.factors.delete(a_user().id, FactorKind.SMS) is False


def test_advance_totp_step_accepts_only_a_newer_step(uow_factory: UowFactory) -> None:
    user, sms_only = a_user(), a_user()
    store(uow_factory, user, sms_only)
    enable(uow_factory, a_factor(user), a_factor(sms_only, FactorKind.SMS))
    first, later = START + timedelta(seconds=30), START + timedelta(seconds=60)

    with uow_factory() as uow:
        assert uow.factors.advance_totp_step(user.id, 100, first) is True
        assert uow.factors.advance_totp_step(user.id, 100, later) is False  # a replay
        assert uow.factors.advance_totp_step(user.id, 99, later) is False  # an older code
        assert uow.factors.advance_totp_step(sms_only.id, 100, first) is False
        assert uow.factors.advance_totp_step(a_user().id, 100, first) is False
        uow.commit()

    with uow_factory() as uow:
        stored = uow.factors.get(user.id, FactorKind.TOTP)
        assert stored is not None
        assert (stored.last_step, stored.last_used_at) == (100, first)
        assert uow.factors.advance_totp_step(user.id, 101, later) is True
        uow.commit()

    with uow_factory() as uow:
        stored = uow.factors.get(user.id, FactorKind.TOTP)
    assert stored is not None
    assert (stored.last_step, stored.last_used_at) == (101, later)


def test_a_rolled_back_advance_leaves_the_step_unused(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    enable(uow_factory, a_factor(user, last_step=5))

    with uow_factory() as uow:
        assert uow.factors.advance_totp_step(user.id, 6, START) is True

    with uow_factory() as uow:
        assert uow.factors.advance_totp_step(user.id, 6, START) is True


def test_backup_codes_are_spent_once_counted_and_replaced(uow_factory: UowFactory) -> None:
    user, stranger = a_user(), a_user()
    codes, theirs = backup_codes(user), backup_codes(stranger, 1)
    store(uow_factory, user, stranger)
    give_codes(uow_factory, user, codes)
    give_codes(uow_factory, stranger, theirs)
    at = START + timedelta(minutes=1)

    with uow_factory() as uow:
        assert uow.backup_codes.count_unused(user.id) == 3
        assert uow.backup_codes.spend(user.id, codes[0].code_hash, at) is True
        assert uow.backup_codes.spend(user.id, codes[0].code_hash, at) is False
        assert uow.backup_codes.spend(user.id, theirs[0].code_hash, at) is False
        assert uow.backup_codes.spend(user.id, "f" * 64, at) is False
        uow.commit()

    with uow_factory() as uow:
        assert uow.backup_codes.count_unused(user.id) == 2
        assert uow.backup_codes.count_unused(stranger.id) == 1
        uow.backup_codes.replace(user.id, fresh := backup_codes(user, 2))
        assert uow.backup_codes.spend(user.id, codes[1].code_hash, at) is False
        uow.commit()

    with uow_factory() as uow:
        assert uow.backup_codes.count_unused(user.id) == 2
        assert uow.backup_codes.spend(user.id, fresh[0].code_hash, at) is True
        assert uow.backup_codes.delete_all(user.id) == 2  # used codes are deleted too
        assert uow.backup_codes.delete_all(user.id) == 0
        uow.backup_codes.replace(stranger.id, [])
        uow.commit()

    with uow_factory() as uow:
        assert uow.backup_codes.count_unused(user.id) == 0
        assert uow.backup_codes.count_unused(stranger.id) == 0


def test_a_rolled_back_spend_leaves_the_code_unused(uow_factory: UowFactory) -> None:
    user = a_user()
    codes = backup_codes(user, 1)
    store(uow_factory, user)
    give_codes(uow_factory, user, codes)

    with uow_factory() as uow:
        assert uow.backup_codes.spend(user.id, codes[0].code_hash, START) is True

    with uow_factory() as uow:
        assert uow.backup_codes.count_unused(user.id) == 1


def test_deleting_a_user_deletes_their_factors_and_backup_codes(uow_factory: UowFactory) -> None:
    doomed, kept = a_user(), a_user(email_verified=True, email_verified_at=START)
    store(uow_factory, doomed, kept)
    enable(uow_factory, a_factor(doomed), a_factor(doomed, FactorKind.SMS), a_factor(kept))
    give_codes(uow_factory, doomed, backup_codes(doomed))
    give_codes(uow_factory, kept, backup_codes(kept))

    with uow_factory() as uow:
        assert uow.users.delete_unverified_created_before(START + timedelta(days=7), 10) == [
            doomed.id
        ]
        uow.commit()

    with uow_factory() as uow:
        assert uow.factors.list_for_user(doomed.id) == []
        assert uow.backup_codes.count_unused(doomed.id) == 0
        assert len(uow.factors.list_for_user(kept.id)) == 1
        assert uow.backup_codes.count_unused(kept.id) == 3


def test_of_twenty_concurrent_spends_of_one_code_exactly_one_wins(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    codes = backup_codes(user, 2)
    store(uow_factory, user)
    give_codes(uow_factory, user, codes)

    def spend() -> bool:
        with uow_factory() as uow:
            won = uow.backup_codes.spend(user.id, codes[0].code_hash, START)
            uow.commit()
        return won

    assert sorted(in_parallel(20, spend)) == [False] * 19 + [True]
    with uow_factory() as uow:
        assert uow.backup_codes.count_unused(user.id) == 1


def test_of_twenty_concurrent_advances_to_one_step_exactly_one_wins(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    store(uow_factory, user)
    enable(uow_factory, a_factor(user, last_step=41))

    def advance() -> bool:
        with uow_factory() as uow:
            won = uow.factors.advance_totp_step(user.id, 42, START)
            uow.commit()
        return won

    assert sorted(in_parallel(20, advance)) == [False] * 19 + [True]
    with uow_factory() as uow:
        stored = uow.factors.get(user.id, FactorKind.TOTP)
    assert stored is not None
    assert stored.last_step == 42


# --- the unit of work ------------------------------------------------------------------


def test_after_commit_callbacks_run_in_order_and_a_failing_one_is_only_logged(
    uow_factory: UowFactory, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int] = []

    def fail() -> None:
        raise RuntimeError("cache down")

    with caplog.at_level(logging.ERROR, logger="bastion.uow"), uow_factory() as uow:
        uow.after_commit(lambda: calls.append(1))
        uow.after_commit(fail)
        uow.after_commit(lambda: calls.append(2))
        uow.commit()
        assert calls == []

    assert calls == [1, 2]
    assert any(record.name == "bastion.uow" for record in caplog.records)


def test_after_commit_callbacks_never_run_without_a_commit(uow_factory: UowFactory) -> None:
    calls: list[str] = []

    def refuse() -> None:
        with uow_factory() as uow:
            uow.after_commit(lambda: calls.append("raised"))
            raise RuntimeError("refused")

    with uow_factory() as uow:
        uow.after_commit(lambda: calls.append("left"))
    with pytest.raises(RuntimeError):
        refuse()

    assert calls == []


def test_callbacks_of_a_commit_run_even_when_the_block_raises_later(
    uow_factory: UowFactory,
) -> None:
    calls: list[str] = []

    def commit_then_refuse() -> None:
        with uow_factory() as uow:
            uow.after_commit(lambda: calls.append("committed"))
            uow.commit()
            uow.after_commit(lambda: calls.append("not committed"))
            raise RuntimeError("refused after commit")

    with pytest.raises(RuntimeError):
        commit_then_refuse()

    assert calls == ["committed"]


def test_a_refusal_is_kept_once_whether_its_transaction_rolls_back_or_commits(
    uow_factory: UowFactory,
) -> None:
    """Recorded after the rollback, when the transaction's lock on the user row is gone:
    a second transaction inserting it meanwhile would wait on that row."""
    user = a_user()
    with uow_factory() as uow:
        uow.users.add(user)
        uow.commit()

    def refused(reason: str) -> EventDraft:
        return EventDraft(
            type=EventType.STEP_UP_FAILED,
            user_id=user.id,
            at=START,
            metadata={"action": "delete_account", "reason": reason},
        )

    def refuse() -> None:
        with uow_factory() as uow:
            uow.users.get(user.id, for_update=True)
            uow.record_refusal(refused("wrong_password"))
            uow.events.add(refused("rolled_back"))
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refuse()
    with uow_factory() as uow:
        uow.users.get(user.id, for_update=True)
        uow.record_refusal(refused("wrong_code"))
        uow.commit()

    with uow_factory() as uow:
        reasons = [e.metadata["reason"] for e in uow.events.list_for_user(user.id)]
    assert sorted(reasons) == ["wrong_code", "wrong_password"]


def test_a_callback_can_open_a_new_unit_of_work_and_see_the_commit(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    seen: list[bool] = []

    def look() -> None:
        with uow_factory() as uow:
            seen.append(uow.users.get(user.id) is not None)

    uow = uow_factory()
    with uow:
        uow.users.add(user)
        uow.after_commit(look)
        uow.commit()
    with uow:  # the same unit of work, entered again
        assert uow.users.get(user.id) is not None

    assert seen == [True]


def test_datetimes_come_back_timezone_aware_utc(uow_factory: UowFactory) -> None:
    plus_two = timezone(timedelta(hours=2))
    user = a_user(created_at=START.astimezone(plus_two), last_login_at=START)
    session = a_session(user)
    token = a_token(session)
    store(uow_factory, user, session, token)

    with uow_factory() as uow:
        loaded = uow.users.get(user.id)
        loaded_session = uow.sessions.get(session.id)
        loaded_token = uow.refresh_tokens.rotate(token.token_hash, START)

    assert loaded is not None
    assert loaded_session is not None
    assert loaded_token is not None
    assert loaded.created_at == START  # the same instant, whatever offset it came in
    utc_values = [
        *(loaded.updated_at, loaded.last_login_at),
        *(loaded_session.created_at, loaded_session.expires_at, loaded_session.last_activity_at),
        *(loaded_token.created_at, loaded_token.expires_at, loaded_token.rotated_at),
    ]
    for value in utc_values:
        assert value is not None
        assert value.utcoffset() == timedelta(0)


# --- SQL only: failures, health, migrations --------------------------------------------


def test_a_save_after_a_read_reads_the_row_once(sql_engine: Engine, clock: ManualClock) -> None:
    user = a_user()
    store(sql_backend(sql_engine), user)
    selects: list[str] = []

    def count(*args: Any) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            selects.append(args[2])

    event.listen(sql_engine, "before_cursor_execute", count)
    try:
        with sql_backend(sql_engine)() as uow:
            locked = uow.users.get(user.id, for_update=True)
            assert locked is not None
            locked.record_login(clock.now())
            uow.users.save(locked)
            locked.record_login(clock.now() + timedelta(seconds=1))
            uow.users.save(locked)
            uow.commit()
    finally:
        event.remove(sql_engine, "before_cursor_execute", count)
    assert len(selects) == 1  # the locking read; neither save reads the row again


@pytest.mark.integration
def test_a_save_writes_only_what_its_transaction_changed(
    postgres_engine: Engine, clock: ManualClock
) -> None:
    """Another transaction's change to a column this one did not touch survives."""
    user = a_user()
    backend = sql_backend(postgres_engine)
    store(backend, user)
    with backend() as mine:
        read = mine.users.get_by_email(user.email)
        assert read is not None
        with backend() as theirs:
            other = theirs.users.get(user.id, for_update=True)
            assert other is not None
            theirs.users.save(replace(other, first_name=PersonName.parse("Grace", "first_name")))
            theirs.commit()
        read.record_login(clock.now())
        mine.users.save(read)
        mine.commit()
    with backend() as uow:
        stored = uow.users.get(user.id)
    assert stored is not None
    assert stored.first_name == PersonName.parse("Grace", "first_name")
    assert stored.last_login_at == clock.now()


def test_a_lock_wait_that_runs_out_reads_as_unavailable(sql_engine: Engine) -> None:
    impatient = build_engine(
        sql_engine.url.render_as_string(hide_password=False), lock_timeout_ms=100
    )
    user = a_user()
    store(sql_backend(sql_engine), user)
    try:
        with sql_backend(sql_engine)() as holder:
            holder.users.get(user.id, for_update=True)
            with pytest.raises(UnavailableError), sql_backend(impatient)() as waiter:
                waiter.users.get(user.id, for_update=True)
    finally:
        impatient.dispose()


def test_an_unreachable_database_reads_as_unavailable() -> None:
    engine = build_engine(f"postgresql://bastion@127.0.0.1:{free_port()}/bastion")
    try:
        with pytest.raises(UnavailableError), sql_backend(engine)() as uow:
            uow.users.get(a_user().id)
        assert SqlHealthProbe(engine).ping() is False
    finally:
        engine.dispose()


def test_the_health_probe_answers_for_a_live_database(sql_engine: Engine) -> None:
    assert SqlHealthProbe(sql_engine).ping() is True


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_the_migrations_go_down_and_up_and_match_the_rows(sql_engine: Engine) -> None:
    url = sql_engine.url.render_as_string(hide_password=False)
    downgrade(url, "base")
    with sql_engine.connect() as connection:
        tables = set(Base.metadata.tables) & set(sql_engine.dialect.get_table_names(connection))
    assert tables == set()

    upgrade(url)
    skipped = _UNREFLECTABLE_ON_SQLITE if sql_engine.dialect.name == "sqlite" else set()
    with sql_engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_object": lambda _obj, name, kind, *_: (kind, name) not in skipped},
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_second_factor_migration_goes_down_to_the_identity_core_and_up(
    sql_engine: Engine,
) -> None:
    url = sql_engine.url.render_as_string(hide_password=False)
    user = a_user()
    store(sql_backend(sql_engine), user)

    downgrade(url, "0001")
    with sql_engine.connect() as connection:
        tables = set(sql_engine.dialect.get_table_names(connection))
    assert {"users", "mfa_factors", "backup_codes"} & tables == {"users"}

    upgrade(url)
    with sql_backend(sql_engine)() as uow:
        assert uow.users.get(user.id) is not None
        uow.factors.save(a_factor(user))
        uow.backup_codes.replace(user.id, backup_codes(user))
        uow.commit()
    with sql_engine.connect() as connection:  # the case-insensitive unique index survived
        indexes = {
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'users'"
                if sql_engine.dialect.name == "postgresql"
                else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'"
            )
        }
    assert "uq_users_email_lower" in indexes


_UNREFLECTABLE_ON_SQLITE = {  # expression and DESC index parts; PostgreSQL compares them
    ("index", "uq_users_email_lower"),
    ("index", "ix_account_events_user_time"),
    ("index", "ix_account_events_type_time"),
    ("index", "ix_account_events_time"),
    ("index", "ix_account_events_user_type_time"),
    ("index", "ix_tasks_user_time"),
    ("index", "ix_tasks_user_completed_time"),
    ("index", "ix_deleted_tasks_user_time"),
    ("index", "ix_exports_user_time"),
}


def test_sealed_secrets_are_listed_in_pages_by_id(uow_factory: UowFactory) -> None:
    users = [a_user() for _ in range(3)]
    store(uow_factory, *users)
    totps = [a_factor(user) for user in users]
    enable(uow_factory, *totps, a_factor(users[0], FactorKind.SMS))

    with uow_factory() as uow:
        first = uow.factors.list_sealed(None, 2)
        rest = uow.factors.list_sealed(first[-1].id, 2)

    assert [f.id for f in first + rest] == sorted(f.id for f in totps)
    assert all(f.kind is FactorKind.TOTP for f in first + rest)


# --- keyset pages and the expired-session sweep ----------------------------------------


def _events(uow_factory: UowFactory, *drafts: EventDraft) -> list[Any]:
    with uow_factory() as uow:
        recorded = [uow.events.add(draft) for draft in drafts]
        uow.commit()
    return recorded


def test_event_pages_walk_newest_first_once_each_across_equal_times(
    uow_factory: UowFactory,
) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    times = [START + timedelta(seconds=s) for s in (0, 1, 1, 1, 2, 3, 3, 4)]
    mine = _events(
        uow_factory,
        *(EventDraft(type=EventType.PROFILE_UPDATED, user_id=user.id, at=t) for t in times),
    )
    _events(uow_factory, EventDraft(type=EventType.PROFILE_UPDATED, user_id=other.id, at=START))

    seen: list[Any] = []
    after = None
    with uow_factory() as uow:
        while True:
            page = uow.events.page(user_id=user.id, after=after, limit=3)
            seen += page
            if len(page) < 3:
                break
            after = Keyset(at=page[-1].occurred_at, id=page[-1].id)

    newest_first = sorted(mine, key=lambda e: (e.occurred_at, e.id), reverse=True)
    assert [e.id for e in seen] == [e.id for e in newest_first]
    assert [asdict(e) for e in seen] == [asdict(e) for e in newest_first]


def test_the_whole_logs_pages_walk_newest_first_once_each_across_equal_times(
    uow_factory: UowFactory,
) -> None:
    # PostgreSQL reads this listing on an expression of the time (migration 0008).
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    owners = [user.id, other.id, None]
    times = [START + timedelta(seconds=s) for s in (0, 1, 1, 1, 2, 3, 3, 4, 4)]
    recorded = _events(
        uow_factory,
        *(
            EventDraft(type=EventType.LOGIN_FAILED, user_id=owners[n % 3], at=t)
            for n, t in enumerate(times)
        ),
    )

    seen: list[Any] = []
    after = None
    with uow_factory() as uow:
        while True:
            page = uow.events.page(after=after, limit=2)
            seen += page
            if len(page) < 2:
                break
            after = Keyset(at=page[-1].occurred_at, id=page[-1].id)

    newest_first = sorted(recorded, key=lambda e: (e.occurred_at, e.id), reverse=True)
    assert [asdict(e) for e in seen] == [asdict(e) for e in newest_first]


def test_event_pages_filter_by_user_type_both_or_neither(uow_factory: UowFactory) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    later = START + timedelta(seconds=1)
    failed_mine, changed_mine, failed_theirs, anonymous = _events(
        uow_factory,
        EventDraft(type=EventType.LOGIN_FAILED, user_id=user.id, at=START),
        EventDraft(type=EventType.PASSWORD_CHANGED, user_id=user.id, at=later),
        EventDraft(type=EventType.LOGIN_FAILED, user_id=other.id, at=later),
        EventDraft(type=EventType.LOGIN_FAILED, user_id=None, at=START),
    )

    with uow_factory() as uow:
        by_user = uow.events.page(user_id=user.id, limit=10)
        by_type = uow.events.page(event_type=EventType.LOGIN_FAILED, limit=10)
        by_both = uow.events.page(user_id=user.id, event_type=EventType.LOGIN_FAILED, limit=10)
        everything = uow.events.page(limit=10)
        after_first = uow.events.page(after=Keyset(at=later, id=changed_mine.id), limit=10)

    def ids(events: list[Any]) -> set[Any]:
        return {e.id for e in events}

    assert [e.id for e in by_user] == [changed_mine.id, failed_mine.id]
    assert ids(by_type) == ids([failed_mine, failed_theirs, anonymous])
    assert [e.id for e in by_both] == [failed_mine.id]
    assert ids(everything) == ids([failed_mine, changed_mine, failed_theirs, anonymous])
    assert changed_mine.id not in ids(after_first)
    assert all((e.occurred_at, e.id) < (later, changed_mine.id) for e in after_first)


def test_user_pages_match_an_email_prefix_ignoring_case_and_wildcards(
    uow_factory: UowFactory,
) -> None:
    def named(local: str) -> User:
        return a_user(email=EmailAddress.parse(f"{local}@example.com"))

    ada, adam, percent, under, bob = (
        named("ada"),
        named("adam"),
        named("a%z"),
        named("a_z"),
        named("bob"),
    )
    store(uow_factory, ada, adam, percent, under, bob)

    with uow_factory() as uow:

        def emails(prefix: str) -> set[str]:
            return {u.email.value for u in uow.users.page(email_prefix=prefix, limit=10)}

        assert emails("ADA") == {"ada@example.com", "adam@example.com"}
        assert emails("a%") == {"a%z@example.com"}
        assert emails("a_") == {"a_z@example.com"}
        assert emails("%") == set()
        assert emails("ada@example.com") == {"ada@example.com"}
        assert len(uow.users.page(limit=10)) == 5


def test_user_pages_filter_by_status_and_walk_newest_first_once_each(
    uow_factory: UowFactory,
) -> None:
    hours = (0, 1, 1, 1, 2, 3)
    users = [a_user(created_at=START + timedelta(hours=h)) for h in hours]
    disabled = a_user(status=UserStatus.DISABLED, created_at=START + timedelta(hours=1))
    store(uow_factory, *users, disabled)

    seen: list[User] = []
    after = None
    with uow_factory() as uow:
        while True:
            page = uow.users.page(status=UserStatus.ACTIVE, after=after, limit=2)
            seen += page
            if len(page) < 2:
                break
            after = Keyset(at=page[-1].created_at, id=page[-1].id)
        only_disabled = uow.users.page(status=UserStatus.DISABLED, limit=10)

    expected = sorted(users, key=lambda u: (u.created_at, u.id), reverse=True)
    assert [u.id for u in seen] == [u.id for u in expected]
    assert [u.id for u in only_disabled] == [disabled.id]


def test_the_sweep_deletes_expired_sessions_oldest_first_with_their_tokens(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    now = START + timedelta(days=100)
    oldest = replace(a_session(user), expires_at=START + timedelta(days=1))
    revoked = replace(a_session(user), expires_at=START + timedelta(days=2))
    revoked.revoke(RevokeReason.LOGOUT, START)
    expired = replace(a_session(user), expires_at=START + timedelta(days=3))
    live = replace(a_session(user), expires_at=now + timedelta(seconds=1))
    tokens = [a_token(s) for s in (oldest, revoked, expired, live)]
    store(uow_factory, user, oldest, revoked, expired, live, *tokens)
    logged, kept = _events(
        uow_factory,
        EventDraft(type=EventType.SESSION_CREATED, user_id=user.id, session_id=oldest.id, at=START),
        EventDraft(type=EventType.SESSION_CREATED, user_id=user.id, session_id=live.id, at=START),
    )

    with uow_factory() as uow:
        first = uow.sessions.delete_expired(now, limit=2)
        uow.commit()
    with uow_factory() as uow:
        assert uow.sessions.get(oldest.id) is None
        assert uow.sessions.get(revoked.id) is None
        assert uow.sessions.get(expired.id) is not None
        rest = uow.sessions.delete_expired(now, limit=2)
        uow.commit()

    assert (first, rest) == (2, 1)
    with uow_factory() as uow:
        assert uow.sessions.get(expired.id) is None
        assert uow.sessions.get(live.id) is not None
        assert [uow.refresh_tokens.find(t.token_hash) is None for t in tokens] == [
            True,
            True,
            True,
            False,
        ]
        events = {e.id: e for e in uow.events.page(user_id=user.id, limit=10)}
        assert uow.sessions.delete_expired(now, limit=2) == 0
    assert events[logged.id].session_id is None
    assert events[kept.id].session_id == live.id


def test_a_reseal_writes_only_over_the_secret_it_read(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    factor = a_factor(user)
    enable(uow_factory, factor)
    with uow_factory() as uow:
        assert uow.factors.advance_totp_step(user.id, 7, START)
        uow.commit()

    with uow_factory() as uow:
        stale = uow.factors.reseal(factor.id, "v1.some-other-secret", "v2.new")
        fresh = uow.factors.reseal(factor.id, factor.secret or "", "v2.new")
        uow.commit()

    with uow_factory() as uow:
        stored = uow.factors.get(user.id, FactorKind.TOTP)
    assert (stale, fresh) == (False, True)
    assert stored is not None
    assert (stored.secret, stored.last_step) == ("v2.new", 7)


# --- tasks and their trash ---------------------------------------------------------------


DAY = timedelta(days=1)


def a_task(user: User, **overrides: Any) -> Task:
    created = overrides.pop("created_at", START)
    task = Task(
        id=TaskId(UUID(int=next_serial())),
        user_id=user.id,
        title="Water the plants",
        description="The fern too",
        due_at=START + timedelta(days=2),
        created_at=created,
        updated_at=created,
    )
    return replace(task, **overrides)


def _tasks(uow_factory: UowFactory, *tasks: Task) -> None:
    with uow_factory() as uow:
        for task in tasks:
            uow.tasks.add(task)
        uow.commit()


def _trash(uow_factory: UowFactory, task: Task, until: timedelta) -> DeletedTask:
    deleted = task.trash(task.user_id, START, until)
    with uow_factory() as uow:
        assert uow.tasks.remove(task.user_id, task.id)
        uow.deleted_tasks.add(deleted)
        uow.commit()
    return deleted


def test_a_task_reads_back_field_for_field_and_only_for_its_owner(
    uow_factory: UowFactory,
) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    task = a_task(user, completed=True)
    _tasks(uow_factory, task)

    with uow_factory() as uow:
        mine = uow.tasks.get(user.id, task.id)
        theirs = uow.tasks.get(other.id, task.id)
        assert not uow.tasks.remove(other.id, task.id)

    assert mine is not None
    assert asdict(mine) == asdict(task)
    assert theirs is None


def test_a_saved_task_change_is_stored_and_an_unsaved_one_is_not(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    store(uow_factory, user)
    task = a_task(user)
    _tasks(uow_factory, task)

    with uow_factory() as uow:
        changed = uow.tasks.get(user.id, task.id, for_update=True)
        assert changed is not None
        changed.title, changed.due_at = "Repot the fern", None
        uow.tasks.save(changed)
        uow.commit()
    with uow_factory() as uow:
        found = uow.tasks.get(user.id, task.id)
        assert found is not None
        found.title = "lost"

    with uow_factory() as uow:
        assert asdict(uow.tasks.get(user.id, task.id)) == asdict(changed)  # type: ignore[arg-type]


def test_task_pages_walk_newest_first_once_each_and_filter_by_completed(
    uow_factory: UowFactory,
) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    times = [START + timedelta(seconds=s) for s in (0, 1, 1, 1, 2, 3, 3, 4)]
    mine = [a_task(user, created_at=t, completed=i % 2 == 0) for i, t in enumerate(times)]
    _tasks(uow_factory, *mine, a_task(other))

    def walk(completed: bool | None) -> list[TaskId]:
        seen: list[TaskId] = []
        after = None
        with uow_factory() as uow:
            while page := uow.tasks.page(user.id, completed=completed, after=after, limit=3):
                seen += [t.id for t in page]
                after = Keyset(at=page[-1].created_at, id=page[-1].id)
        return seen

    newest = sorted(mine, key=lambda t: (t.created_at, t.id), reverse=True)
    assert walk(None) == [t.id for t in newest]
    assert walk(True) == [t.id for t in newest if t.completed]
    assert walk(False) == [t.id for t in newest if not t.completed]


def test_a_trashed_task_keeps_its_id_and_data_for_its_owner_only(
    uow_factory: UowFactory,
) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    task = a_task(user)
    _tasks(uow_factory, task)
    deleted = _trash(uow_factory, task, timedelta(days=30))

    with uow_factory() as uow:
        assert uow.tasks.get(user.id, task.id) is None
        assert uow.deleted_tasks.get(other.id, task.id) is None
        assert not uow.deleted_tasks.remove(other.id, task.id)
        found = uow.deleted_tasks.get(user.id, task.id)

    assert found is not None
    assert asdict(found) == asdict(deleted)
    assert asdict(found.restore(START)) == asdict(task)


def test_a_rolled_back_soft_delete_leaves_the_task_in_place(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    task = a_task(user)
    _tasks(uow_factory, task)

    with uow_factory() as uow:
        uow.tasks.remove(user.id, task.id)
        uow.deleted_tasks.add(task.trash(user.id, START, timedelta(days=1)))

    with uow_factory() as uow:
        assert uow.tasks.get(user.id, task.id) is not None
        assert uow.deleted_tasks.get(user.id, task.id) is None


def test_trash_pages_walk_newest_deletion_first_once_each(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    tasks = [a_task(user) for _ in range(5)]
    _tasks(uow_factory, *tasks)
    trashed = [
        task.trash(user.id, START + timedelta(seconds=n // 2), DAY) for n, task in enumerate(tasks)
    ]
    with uow_factory() as uow:
        for deleted in trashed:
            uow.tasks.remove(user.id, deleted.id)
            uow.deleted_tasks.add(deleted)
        uow.commit()

    seen: list[TaskId] = []
    after = None
    with uow_factory() as uow:
        while page := uow.deleted_tasks.page(user.id, after=after, limit=2):
            seen += [d.id for d in page]
            after = Keyset(at=page[-1].deleted_at, id=page[-1].id)

    newest = sorted(trashed, key=lambda d: (d.deleted_at, d.id), reverse=True)
    assert seen == [d.id for d in newest]


def test_the_trash_purge_deletes_only_expired_entries_oldest_first_in_batches(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    store(uow_factory, user)
    tasks = [a_task(user) for _ in range(4)]
    _tasks(uow_factory, *tasks)
    for n, task in enumerate(tasks):
        _trash(uow_factory, task, timedelta(hours=n + 1))
    cutoff = START + timedelta(hours=3, minutes=30)

    with uow_factory() as uow:
        first = uow.deleted_tasks.delete_expired(cutoff, 2)
        second = uow.deleted_tasks.delete_expired(cutoff, 2)
        uow.commit()

    with uow_factory() as uow:
        left = [d.id for d in uow.deleted_tasks.page(user.id, limit=10)]
    assert (first, second) == (2, 1)
    assert left == [tasks[3].id]


def test_deleting_a_user_deletes_their_tasks_and_trash(uow_factory: UowFactory) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    kept, trashed, theirs = a_task(user), a_task(user), a_task(other)
    _tasks(uow_factory, kept, trashed, theirs)
    _trash(uow_factory, trashed, timedelta(days=1))

    with uow_factory() as uow:
        assert uow.users.delete(user.id)
        uow.commit()

    with uow_factory() as uow:
        assert uow.tasks.page(user.id, limit=10) == []
        assert uow.deleted_tasks.page(user.id, limit=10) == []
        assert uow.tasks.get(other.id, theirs.id) is not None


def an_export(user: User, **changes: Any) -> Export:
    fields: dict[str, Any] = {
        "id": ExportId(UUID(int=next_serial())),
        "user_id": user.id,
        "status": ExportStatus.PENDING,
        "created_at": START,
        "updated_at": START,
    }
    return Export(**{**fields, **changes})


def _add_exports(uow_factory: UowFactory, *exports: Export) -> None:
    with uow_factory() as uow:
        for export in exports:
            uow.exports.add(export)
        uow.commit()


def test_an_export_reads_back_field_for_field_and_only_for_its_owner(
    uow_factory: UowFactory,
) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    export = an_export(user)
    _add_exports(uow_factory, export)

    with uow_factory() as uow:
        assert uow.exports.get(export.id) == export
        assert uow.exports.get_for_user(user.id, export.id) == export
        assert uow.exports.get_for_user(other.id, export.id) is None
        assert uow.exports.list_for_user(other.id, 10) == []


def test_one_active_export_per_user_and_a_finished_one_frees_the_slot(
    uow_factory: UowFactory,
) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    first = an_export(user)
    _add_exports(uow_factory, first, an_export(other))

    with pytest.raises(ExportInProgressError), uow_factory() as uow:
        uow.exports.add(an_export(user))
    with uow_factory() as uow:
        assert uow.exports.fail(first.id, FailureReason.INTERNAL_ERROR, START) is not None
        uow.commit()
    second = an_export(user, created_at=START + timedelta(seconds=1))
    _add_exports(uow_factory, second)
    with uow_factory() as uow:
        assert [e.id for e in uow.exports.list_for_user(user.id, 10)] == [second.id, first.id]


def test_of_parallel_export_requests_exactly_one_is_stored(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    barrier = threading.Barrier(6)

    def request(_: int) -> bool:
        barrier.wait()
        try:
            _add_exports(uow_factory, an_export(user))
        except ExportInProgressError:
            return False
        return True

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(request, range(6)))
    assert outcomes.count(True) == 1


def test_an_export_moves_through_its_states_by_conditional_updates(
    uow_factory: UowFactory,
) -> None:
    user = a_user()
    store(uow_factory, user)
    export = an_export(user)
    _add_exports(uow_factory, export)
    later, expiry = START + timedelta(minutes=1), START + timedelta(days=7)
    key = file_key(export.id, 2)

    with uow_factory() as uow:
        first = uow.exports.claim(export.id, START)
        second = uow.exports.claim(export.id, later)
        assert not uow.exports.expire(export.id, later)
        assert not uow.exports.complete(export.id, 1, file_key(export.id, 1), 1, later, expiry)
        assert uow.exports.complete(export.id, 2, key, 1234, later, expiry)
        assert not uow.exports.complete(export.id, 2, key, 1234, later, expiry)
        assert uow.exports.claim(export.id, later) is None
        assert uow.exports.fail(export.id, FailureReason.WORKER_LOST, later) is None
        uow.commit()
    assert first is not None
    assert second is not None
    assert (first.status, first.attempts, second.attempts) == (ExportStatus.PROCESSING, 1, 2)

    with uow_factory() as uow:
        done = uow.exports.get(export.id)
        assert uow.exports.due_to_expire(expiry - timedelta(seconds=1), 10) == []
        assert [e.id for e in uow.exports.due_to_expire(expiry, 10)] == [export.id]
        assert uow.exports.expire(export.id, expiry)
        uow.commit()
    assert done is not None
    assert (done.status, done.file_key, done.size_bytes) == (ExportStatus.COMPLETE, key, 1234)
    assert (done.completed_at, done.expires_at) == (later, expiry)
    with uow_factory() as uow:
        gone = uow.exports.get(export.id)
        assert uow.exports.due_to_expire(expiry, 10) == []
    assert gone is not None
    assert (gone.status, gone.file_key) == (ExportStatus.EXPIRED, None)


def test_stale_exports_are_the_active_ones_untouched_since_a_time(
    uow_factory: UowFactory,
) -> None:
    users = [a_user() for _ in range(4)]
    store(uow_factory, *users)
    old, fresh, done, claimed = (an_export(u) for u in users)
    fresh = replace(fresh, updated_at=START + timedelta(minutes=5))
    _add_exports(uow_factory, old, fresh, done, claimed)
    with uow_factory() as uow:
        uow.exports.claim(claimed.id, START + timedelta(seconds=1))
        uow.exports.fail(done.id, FailureReason.STORAGE_ERROR, START)
        uow.commit()

    with uow_factory() as uow:
        pending = uow.exports.stale(ExportStatus.PENDING, START + timedelta(minutes=1), 10)
        processing = uow.exports.stale(ExportStatus.PROCESSING, START + timedelta(minutes=1), 10)
        failed = uow.exports.get(done.id)
        keys = uow.exports.file_keys_for_user(claimed.user_id)
    assert [e.id for e in pending] == [old.id]
    assert [e.id for e in processing] == [claimed.id]
    assert failed is not None
    assert failed.failure_reason is FailureReason.STORAGE_ERROR
    assert keys == [file_key(claimed.id, 1)]


def test_deleting_a_user_deletes_their_exports(uow_factory: UowFactory) -> None:
    user = a_user()
    store(uow_factory, user)
    export = an_export(user)
    _add_exports(uow_factory, export)
    with uow_factory() as uow:
        assert uow.users.delete(user.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.exports.get(export.id) is None


def test_a_users_sessions_page_newest_first_in_any_state(uow_factory: UowFactory) -> None:
    user, other = a_user(), a_user()
    store(uow_factory, user, other)
    sessions = [a_session(user, created_at=START + timedelta(minutes=n)) for n in range(5)]
    sessions[1].revoke(RevokeReason.LOGOUT, START + timedelta(hours=1))
    store(uow_factory, *sessions, a_session(other))

    with uow_factory() as uow:
        first = uow.sessions.page_for_user(user.id, limit=3)
        last = uow.sessions.page_for_user(
            user.id, after=Keyset(first[-1].created_at, first[-1].id), limit=3
        )
    assert [s.id for s in first + last] == [s.id for s in reversed(sessions)]
    assert last[0].status is SessionStatus.REVOKED
