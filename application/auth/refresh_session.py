"""Trade a refresh token for a new pair, rotating it in one atomic step.

Of any number of concurrent refreshes with one token exactly one wins the conditional
UPDATE. A loser whose token was rotated less than the grace window ago is a racing tab:
401 ``token_rotated``, nothing changes. A token rotated earlier is a replay: the whole
session is revoked and ``token.reuse_detected`` recorded (RFC 9700 §4.14.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from application.common.issuing import TokenMinter
from application.common.revocation import SessionRevoker
from application.ports.persistence import UnitOfWork
from application.ports.security import Digester
from application.ports.system import Clock
from application.results import TokenPair
from domain.errors import InvalidRefreshTokenError, TokenReusedError, TokenRotatedError
from domain.events import EventDraft, EventType
from domain.refresh_tokens import RefreshToken, ReplayVerdict, judge_replay
from domain.sessions import RevokeReason
from domain.users import UserStatus


@dataclass(frozen=True, slots=True)
class RefreshSessionCommand:
    refresh_token: str


class RefreshSession:
    def __init__(
        self,
        uow: UnitOfWork,
        digester: Digester,
        minter: TokenMinter,
        revoker: SessionRevoker,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._digester = digester
        self._minter = minter
        self._revoker = revoker
        self._clock = clock

    def __call__(self, cmd: RefreshSessionCommand) -> TokenPair:
        digest = self._digester.digest(cmd.refresh_token)
        now = self._clock.now()
        with self._uow as uow:
            token = uow.refresh_tokens.rotate(digest, now)
            if token is None:
                self._refuse(uow, uow.refresh_tokens.find(digest), now)
            session = uow.sessions.get(token.session_id, for_update=True)
            user = uow.users.get(token.user_id)
            if session is None or not session.is_active(now):
                raise InvalidRefreshTokenError()
            if user is None or user.status is not UserStatus.ACTIVE:
                raise InvalidRefreshTokenError()
            refresh = self._minter.refresh_token(uow, session, now, parent=token.id)
            uow.commit()
        return self._minter.pair(user, session, refresh, now)

    def _refuse(self, uow: UnitOfWork, token: RefreshToken | None, now: datetime) -> NoReturn:
        verdict = judge_replay(token, now, self._minter.lifetimes.reuse_grace)
        if verdict is ReplayVerdict.RACING:
            raise TokenRotatedError()
        if verdict is ReplayVerdict.UNKNOWN or token is None:
            raise InvalidRefreshTokenError()
        session = uow.sessions.get(token.session_id, for_update=True)
        if session is not None and self._revoker.revoke(
            uow, session, RevokeReason.TOKEN_REUSE, now
        ):
            age = int((now - token.created_at).total_seconds())
            uow.events.add(
                EventDraft(
                    type=EventType.TOKEN_REUSE_DETECTED,
                    user_id=token.user_id,
                    session_id=token.session_id,
                    at=now,
                    metadata={"token_age_seconds": age},
                )
            )
            uow.commit()
        raise TokenReusedError()
