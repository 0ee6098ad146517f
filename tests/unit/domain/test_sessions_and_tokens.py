"""Device sessions, refresh-token replay verdicts and the trust score."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.ids import RefreshTokenId, SessionId, UserId
from domain.refresh_tokens import RefreshToken, ReplayVerdict, judge_replay, refresh_expiry
from domain.sessions import DeviceInfo, DeviceSession, NetworkInfo, RevokeReason, SessionStatus
from domain.trust import TrustSignals, trust_score

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def a_session(**overrides: object) -> DeviceSession:
    values: dict[str, object] = {
        "id": SessionId(UUID(int=1)),
        "user_id": UserId(UUID(int=2)),
        "device": DeviceInfo.of("UA", "Firefox", "Linux", None),
        "network": NetworkInfo("hash", "192.0.2.0/24"),
        "created_at": NOW,
        "expires_at": NOW + timedelta(days=90),
        "last_activity_at": NOW,
    }
    values.update(overrides)
    return DeviceSession(**values)  # type: ignore[arg-type]


def a_token(rotated_at: datetime | None) -> RefreshToken:
    return RefreshToken(
        id=RefreshTokenId(UUID(int=3)),
        session_id=SessionId(UUID(int=1)),
        user_id=UserId(UUID(int=2)),
        token_hash="h",
        created_at=NOW,
        expires_at=NOW + timedelta(days=30),
        rotated_at=rotated_at,
    )


def test_revoking_twice_records_one_event() -> None:
    session = a_session()
    first = session.revoke(RevokeReason.LOGOUT, NOW)
    assert first is not None
    assert first.metadata == {"reason": "logout"}
    assert session.revoke(RevokeReason.USER, NOW) is None
    assert session.status is SessionStatus.REVOKED
    assert not session.is_active(NOW)


def test_activity_is_written_at_most_once_a_minute() -> None:
    session = a_session()
    assert not session.touch(NOW + timedelta(seconds=30))
    assert session.touch(NOW + timedelta(seconds=61))
    assert session.last_activity_at == NOW + timedelta(seconds=61)


def test_sessions_expire_at_their_absolute_end() -> None:
    session = a_session(expires_at=NOW + timedelta(hours=1))
    assert session.is_active(NOW + timedelta(minutes=59))
    assert not session.is_active(NOW + timedelta(hours=1))


def test_replay_verdicts() -> None:
    grace = timedelta(seconds=2)
    assert judge_replay(None, NOW, grace) is ReplayVerdict.UNKNOWN
    assert judge_replay(a_token(None), NOW, grace) is ReplayVerdict.UNKNOWN
    assert judge_replay(a_token(NOW), NOW + timedelta(seconds=1), grace) is ReplayVerdict.RACING
    assert judge_replay(a_token(NOW), NOW + timedelta(seconds=2), grace) is ReplayVerdict.REUSED


def test_rotation_never_extends_past_the_session_end() -> None:
    end = NOW + timedelta(days=1)
    assert refresh_expiry(NOW, timedelta(days=30), end) == end
    assert refresh_expiry(NOW, timedelta(hours=1), end) == NOW + timedelta(hours=1)


def test_user_agent_fields_are_clipped() -> None:
    device = DeviceInfo.of("x" * 10_000, "b" * 500, None, None)
    assert len(device.user_agent) == 512
    assert device.browser is not None
    assert len(device.browser) == 100


def test_trust_score_rewards_known_devices_and_factors_and_stays_in_range() -> None:
    stranger = trust_score(TrustSignals())
    familiar = trust_score(TrustSignals(known_device=True, known_network=True, account_age_days=90))
    assert stranger < familiar
    assert trust_score(TrustSignals(recent_failures=100, new_country=True)) == 0
    best = TrustSignals(
        known_device=True, known_network=True, second_factor=True, account_age_days=400
    )
    assert trust_score(best) == 100
