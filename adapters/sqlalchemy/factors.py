"""Second factors and backup codes. Accepting a TOTP step and spending a code are single
conditional UPDATEs: concurrent callers queue on the row lock and, once the winner
commits, PostgreSQL re-checks the WHERE clause for the others, which then update nothing;
SQLite runs one writer at a time (BEGIN IMMEDIATE), so a later caller sees the commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Executable, delete, func, insert, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adapters.sqlalchemy.mapping import backup_code_to_row, factor_from_row, factor_to_row
from adapters.sqlalchemy.reads import one_row
from adapters.sqlalchemy.rows import BackupCodeRow as Code
from adapters.sqlalchemy.rows import Base
from adapters.sqlalchemy.rows import FactorRow as Factor
from application.ports.persistence import BackupCodeRepository, FactorRepository
from domain.factors import BackupCode, FactorKind, SecondFactor
from domain.ids import FactorId, UserId

_KEY = ["user_id", "kind"]
_REPLACED = ["id", "secret", "phone", "last_step", "last_used_at", "created_at"]


class SqlFactorRepository(FactorRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def list_for_user(self, user_id: UserId) -> list[SecondFactor]:
        query = (
            select(Factor)
            .where(Factor.user_id == user_id)
            .order_by(Factor.created_at, Factor.kind)
            .execution_options(populate_existing=True)
        )
        return [factor_from_row(row) for row in self._session.scalars(query)]

    def get(
        self, user_id: UserId, kind: FactorKind, *, for_update: bool = False
    ) -> SecondFactor | None:
        query = select(Factor).where(Factor.user_id == user_id, Factor.kind == kind.value)
        row = one_row(self._session, query, for_update=for_update)
        return factor_from_row(row) if row else None

    def list_sealed(self, after: FactorId | None, limit: int) -> list[SecondFactor]:
        query = select(Factor).where(Factor.secret.is_not(None)).order_by(Factor.id).limit(limit)
        if after is not None:
            query = query.where(Factor.id > after)
        return [factor_from_row(row) for row in self._session.scalars(query)]

    def save(self, factor: SecondFactor) -> None:
        """One upsert on (user_id, kind), so two concurrent first saves cannot collide."""
        self._session.execute(_upsert(self._session, _values(factor_to_row(factor))))

    def delete(self, user_id: UserId, kind: FactorKind) -> bool:
        statement = delete(Factor).where(Factor.user_id == user_id, Factor.kind == kind.value)
        return _count(self._session, statement) > 0

    def reseal(self, factor_id: FactorId, old: str, new: str) -> bool:
        statement = (
            update(Factor).where(Factor.id == factor_id, Factor.secret == old).values(secret=new)
        )
        return _count(self._session, statement) > 0

    def advance_totp_step(self, user_id: UserId, step: int, at: datetime) -> bool:
        statement = (
            update(Factor)
            .where(
                Factor.user_id == user_id,
                Factor.kind == FactorKind.TOTP.value,
                or_(Factor.last_step.is_(None), Factor.last_step < step),
            )
            .values(last_step=step, last_used_at=at)
        )
        return _count(self._session, statement) == 1


class SqlBackupCodeRepository(BackupCodeRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def replace(self, user_id: UserId, codes: Sequence[BackupCode]) -> None:
        if any(code.user_id != user_id for code in codes):
            raise ValueError("every backup code must belong to the user they replace")
        self.delete_all(user_id)
        if codes:
            rows = [_values(backup_code_to_row(code)) for code in codes]
            self._session.execute(insert(Code), rows)

    def spend(self, user_id: UserId, code_hash: str, at: datetime) -> bool:
        statement = (
            update(Code)
            .where(Code.user_id == user_id, Code.code_hash == code_hash, Code.used_at.is_(None))
            .values(used_at=at)
        )
        return _count(self._session, statement) == 1

    def count_unused(self, user_id: UserId) -> int:
        query = select(func.count()).where(Code.user_id == user_id, Code.used_at.is_(None))
        return self._session.scalar(query) or 0

    def delete_all(self, user_id: UserId) -> int:
        return _count(self._session, delete(Code).where(Code.user_id == user_id))


def _upsert(session: Session, values: dict[str, Any]) -> Executable:
    """``INSERT ... ON CONFLICT (user_id, kind) DO UPDATE``: the two dialects spell it
    alike but type it apart."""
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(Factor).values(values)
        return pg.on_conflict_do_update(
            index_elements=_KEY, set_={name: pg.excluded[name] for name in _REPLACED}
        )
    lite = sqlite.insert(Factor).values(values)
    return lite.on_conflict_do_update(
        index_elements=_KEY, set_={name: lite.excluded[name] for name in _REPLACED}
    )


def _values(row: Base) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def _count(session: Session, statement: Executable) -> int:
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        statement, execution_options={"synchronize_session": False}
    )
    return result.rowcount
