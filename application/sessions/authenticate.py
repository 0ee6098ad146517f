"""The guard of every authenticated call: a valid JWT on a live session.

The JWT is checked in-process (pinned algorithm, claims); whether its session is live, and
for ``GET /me`` the profile with it, costs one cache read (``LiveSessions``), the database
only on a miss. ``last_activity_at`` is written at most once a minute per session and
process (``SessionActivity``).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.throttle import Rule, Throttle
from application.ports.persistence import SessionActivity
from application.ports.reads import LiveSessions
from application.ports.security import AccessTokenCodec
from application.ports.system import Clock
from application.results import Principal
from domain.errors import InvalidTokenError


@dataclass(frozen=True, slots=True)
class AuthenticateCommand:
    access_token: str
    with_profile: bool = False
    """Read the user's profile with the session (``Principal.profile``)."""
    address: str | None = None
    """The caller's address, to spend its unit of the API-wide limit with the session
    read (one round trip), or alone before refusing a token that proves no one."""


class Authenticate:
    def __init__(
        self,
        codec: AccessTokenCodec,
        live: LiveSessions,
        throttle: Throttle,
        activity: SessionActivity,
        clock: Clock,
    ) -> None:
        self._codec = codec
        self._live = live
        self._throttle = throttle
        self._activity = activity
        self._clock = clock

    def __call__(self, cmd: AuthenticateCommand) -> Principal:
        try:
            claims = self._codec.verify(cmd.access_token)
        except InvalidTokenError:
            if cmd.address is not None:
                self._throttle.charge(Rule.API, cmd.address)
            raise
        now = self._clock.now()
        toll = self._throttle.toll(Rule.API, cmd.address) if cmd.address is not None else None
        profile = None
        if cmd.with_profile:
            profile = self._live.profile_if_live(claims.session_id, claims.user_id, now, toll)
            live = profile is not None
        else:
            live = self._live.is_live(claims.session_id, now, toll)
        if not live:
            raise InvalidTokenError()
        self._activity.used(claims.session_id, now)
        return Principal(
            user_id=claims.user_id,
            session_id=claims.session_id,
            email=claims.email,
            role=claims.role,
            methods=tuple(m.value for m in claims.methods),
            profile=profile,
        )
