"""Refresh tokens: opaque, stored as a digest, bound to one session, rotated on every use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.base import Entity
from domain.ids import RefreshTokenId, SessionId, UserId


@dataclass(eq=False, slots=True, kw_only=True)
class RefreshToken(Entity):
    id: RefreshTokenId
    session_id: SessionId
    user_id: UserId
    token_hash: str
    created_at: datetime
    expires_at: datetime
    parent_id: RefreshTokenId | None = None
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None


def refresh_expiry(at: datetime, idle: timedelta, session_expires_at: datetime) -> datetime:
    """Idle lifetime from now, never past the session's absolute end: rotation never
    extends a session beyond ``BASTION_SESSION_MAX_AGE``."""
    return min(at + idle, session_expires_at)


class ReplayVerdict(StrEnum):
    """What a presented token that could not be rotated means."""

    UNKNOWN = "unknown"
    RACING = "racing"
    REUSED = "reused"


def judge_replay(token: RefreshToken | None, at: datetime, grace: timedelta) -> ReplayVerdict:
    """A token rotated within the grace window is a racing tab (refused, nothing changes);
    a token rotated earlier is a replay (the session dies); anything else is unknown."""
    if token is None or token.rotated_at is None:
        return ReplayVerdict.UNKNOWN
    if at - token.rotated_at < grace:
        return ReplayVerdict.RACING
    return ReplayVerdict.REUSED
