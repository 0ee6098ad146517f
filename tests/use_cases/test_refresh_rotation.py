"""Refresh tokens rotate on every use; a replay is a racing tab within the grace window
and a stolen token after it (application/auth/refresh_session.py)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from application.auth.log_out import LogOutCommand
from application.auth.refresh_session import RefreshSession, RefreshSessionCommand
from application.results import TokenPair
from domain.errors import (
    DomainError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    TokenReusedError,
    TokenRotatedError,
)
from domain.events import EventType
from domain.sessions import RevokeReason, SessionStatus
from tests.use_cases.conftest import Bastion, BastionFactory


def _grace(bastion: Bastion) -> float:
    """``BASTION_REFRESH_REUSE_GRACE``, in seconds."""
    return bastion.container.settings().refresh_reuse_grace


def test_a_refresh_token_buys_a_new_pair_on_the_same_session(bastion: Bastion) -> None:
    first = bastion.signed_in(bastion.a_user())

    second = bastion.refresh(first.refresh_token)

    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert bastion.authenticate(second.access_token).session_id == first.session_id
    assert bastion.refresh(second.refresh_token).session_id == first.session_id


def test_a_token_replayed_within_the_grace_is_refused_and_changes_nothing(
    bastion: Bastion,
) -> None:
    first = bastion.signed_in(account := bastion.a_user())
    second = bastion.refresh(first.refresh_token)
    bastion.clock.advance(_grace(bastion) / 2)

    with pytest.raises(TokenRotatedError):
        bastion.refresh(first.refresh_token)

    assert bastion.session(first.session_id).status is SessionStatus.ACTIVE
    assert bastion.events(account.id, EventType.TOKEN_REUSE_DETECTED) == []
    assert bastion.refresh(second.refresh_token).session_id == first.session_id


def test_a_token_replayed_after_the_grace_revokes_the_whole_session(bastion: Bastion) -> None:
    first = bastion.signed_in(account := bastion.a_user())
    second = bastion.refresh(first.refresh_token)
    bastion.clock.advance(_grace(bastion))

    with pytest.raises(TokenReusedError):
        bastion.refresh(first.refresh_token)

    session = bastion.session(first.session_id)
    assert (session.status, session.revoked_reason) == (
        SessionStatus.REVOKED,
        RevokeReason.TOKEN_REUSE,
    )
    [reuse] = bastion.events(account.id, EventType.TOKEN_REUSE_DETECTED)
    assert reuse.session_id == first.session_id
    with pytest.raises(InvalidRefreshTokenError):
        bastion.refresh(second.refresh_token)
    with pytest.raises(InvalidTokenError):
        bastion.authenticate(second.access_token)


def test_a_second_replay_of_a_revoked_session_records_no_second_reuse(bastion: Bastion) -> None:
    first = bastion.signed_in(account := bastion.a_user())
    bastion.refresh(first.refresh_token)
    bastion.clock.advance(_grace(bastion))
    with pytest.raises(TokenReusedError):
        bastion.refresh(first.refresh_token)

    with pytest.raises(TokenReusedError):
        bastion.refresh(first.refresh_token)

    assert len(bastion.events(account.id, EventType.TOKEN_REUSE_DETECTED)) == 1


def test_a_refresh_token_of_a_signed_out_session_fails(bastion: Bastion) -> None:
    pair = bastion.signed_in(account := bastion.a_user())
    bastion.container.log_out()(LogOutCommand(account.id, pair.session_id))

    with pytest.raises(InvalidRefreshTokenError):
        bastion.refresh(pair.refresh_token)


def test_a_refresh_token_left_idle_past_its_lifetime_fails(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(refresh_token_ttl=300)
    pair = bastion.signed_in(bastion.a_user())
    bastion.clock.advance(300)

    with pytest.raises(InvalidRefreshTokenError):
        bastion.refresh(pair.refresh_token)


def test_rotation_never_stretches_a_session_past_its_maximum_age(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(refresh_token_ttl=500, session_max_age=600)
    first = bastion.signed_in(bastion.a_user())
    opened = bastion.clock.now()
    bastion.clock.advance(400)
    second = bastion.refresh(first.refresh_token)  # idle for 500 s more, but capped at 600
    bastion.clock.advance(200)

    with pytest.raises(InvalidRefreshTokenError):
        bastion.refresh(second.refresh_token)
    assert bastion.session(first.session_id).expires_at == opened + timedelta(seconds=600)


def test_twenty_parallel_refreshes_of_one_token_have_exactly_one_winner(bastion: Bastion) -> None:
    pair = bastion.signed_in(bastion.a_user())
    refreshers = [bastion.container.refresh_session() for _ in range(20)]
    start = threading.Barrier(len(refreshers))
    outcomes: list[TokenPair | DomainError] = []
    lock = threading.Lock()

    def race(refresh: RefreshSession) -> None:
        start.wait()
        outcome: TokenPair | DomainError
        try:
            outcome = refresh(RefreshSessionCommand(pair.refresh_token))
        except DomainError as refused:
            outcome = refused
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=race, args=(r,)) for r in refreshers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [o for o in outcomes if isinstance(o, TokenPair)]
    losers = [o for o in outcomes if not isinstance(o, TokenPair)]
    assert len(winners) == 1
    assert [type(o) for o in losers] == [TokenRotatedError] * 19
    assert bastion.session(pair.session_id).status is SessionStatus.ACTIVE
    assert bastion.refresh(winners[0].refresh_token).session_id == pair.session_id
