"""The guard of every authenticated call: a valid JWT on a live session.

The JWT is checked in-process (pinned algorithm, claims); the session's validity costs
one cache read, the database only on a miss. ``last_activity_at`` is written at most
once a minute per session and process, without a cache round trip.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from application.common.newest import Newest
from application.common.validity import SessionValidity
from application.ports.persistence import UnitOfWork
from application.ports.security import AccessClaims, AccessTokenCodec
from application.ports.system import Clock
from application.results import Principal
from domain.errors import InvalidTokenError
from domain.ids import SessionId
from domain.sessions import ACTIVITY_WRITE_INTERVAL

_REMEMBERED_SESSIONS = 10_000
_REMEMBERED_PRINCIPALS = 4096


@dataclass(frozen=True, slots=True)
class AuthenticateCommand:
    access_token: str


class Authenticate:
    """One per process: it remembers when it last wrote each session's activity, and the
    principal each token proves."""

    def __init__(
        self,
        codec: AccessTokenCodec,
        validity: SessionValidity,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
    ) -> None:
        self._codec = codec
        self._validity = validity
        self._uow_factory = uow_factory
        self._clock = clock
        self._last_write: OrderedDict[SessionId, datetime] = OrderedDict()
        self._principals: Newest[str, Principal] = Newest(_REMEMBERED_PRINCIPALS)
        self._lock = Lock()

    def __call__(self, cmd: AuthenticateCommand) -> Principal:
        claims = self._codec.verify(cmd.access_token)
        now = self._clock.now()
        if not self._validity.is_valid(claims.session_id, now):
            raise InvalidTokenError()
        if self._activity_due(claims.session_id, now):
            with self._uow_factory() as uow:
                uow.sessions.record_activity(claims.session_id, now)
                uow.commit()
        return self._principal(cmd.access_token, claims)

    def _principal(self, token: str, claims: AccessClaims) -> Principal:
        """The same token proves the same principal: it is made once per token (the
        newest ``_REMEMBERED_PRINCIPALS``), not on every request."""
        known = self._principals.get(token)
        if known is not None:
            return known
        made = Principal(
            user_id=claims.user_id,
            session_id=claims.session_id,
            email=claims.email,
            role=claims.role,
            methods=tuple(m.value for m in claims.methods),
        )
        self._principals.put(token, made)
        return made

    def _activity_due(self, session_id: SessionId, now: datetime) -> bool:
        with self._lock:
            last = self._last_write.get(session_id)
            if last is not None and now - last < ACTIVITY_WRITE_INTERVAL:
                return False
            self._last_write[session_id] = now
            self._last_write.move_to_end(session_id)
            if len(self._last_write) > _REMEMBERED_SESSIONS:
                self._last_write.popitem(last=False)
            return True
