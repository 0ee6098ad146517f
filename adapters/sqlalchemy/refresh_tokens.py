"""Refresh tokens, rotated by one conditional UPDATE so that exactly one caller wins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, and_, select, update
from sqlalchemy.orm import Session

from adapters.sqlalchemy.mapping import token_from_row, token_to_row
from adapters.sqlalchemy.reads import one_row
from adapters.sqlalchemy.rows import RefreshTokenRow as Token
from application.ports.persistence import RefreshTokenRepository
from domain.ids import SessionId
from domain.refresh_tokens import RefreshToken

_FROM_DATABASE = {"synchronize_session": False, "populate_existing": True}


class SqlRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: RefreshToken) -> None:
        self._session.add(token_to_row(token))
        self._session.flush()

    def rotate(self, token_hash: str, at: datetime) -> RefreshToken | None:
        """Concurrent callers queue on the row lock; once the winner commits, PostgreSQL
        re-checks the WHERE clause for the others and updates nothing. SQLite runs one
        writer at a time (BEGIN IMMEDIATE), so a later caller sees the committed row."""
        statement = (
            update(Token)
            .where(Token.token_hash == token_hash, _live(at))
            .values(rotated_at=at)
            .returning(Token)
        )
        row = self._session.scalars(statement, execution_options=_FROM_DATABASE).one_or_none()
        return token_from_row(row) if row else None

    def find(self, token_hash: str) -> RefreshToken | None:
        query = select(Token).where(Token.token_hash == token_hash)
        row = one_row(self._session, query, for_update=False)
        return token_from_row(row) if row else None

    def revoke_for_session(self, session_id: SessionId, at: datetime) -> int:
        """Counts live tokens only: rotated, revoked and expired ones are dead already."""
        statement = (
            update(Token).where(Token.session_id == session_id, _live(at)).values(revoked_at=at)
        )
        result: CursorResult[Any] = self._session.execute(  # type: ignore[assignment]
            statement, execution_options={"synchronize_session": False}
        )
        return result.rowcount


def _live(at: datetime) -> ColumnElement[bool]:
    return and_(Token.rotated_at.is_(None), Token.revoked_at.is_(None), Token.expires_at > at)
