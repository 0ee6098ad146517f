"""Passkeys and user handles. Storing a used counter is one conditional UPDATE: concurrent
callers queue on the row lock and, once the winner commits, PostgreSQL re-checks the WHERE
clause for the others, which then update nothing (SECURITY WA-04); SQLite runs one writer
at a time (BEGIN IMMEDIATE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Executable, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.sqlalchemy.rows import PasskeyRow as Row
from adapters.sqlalchemy.rows import PasskeyUserHandleRow as Handle
from adapters.sqlalchemy.rows import UserRow
from application.ports.persistence import PasskeyRepository
from domain.errors import PasskeyExistsError
from domain.ids import UserId
from domain.passkeys import DeviceType, Passkey, encode_id, from_base64url
from domain.values import EmailAddress


class SqlPasskeyRepository(PasskeyRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, passkey: Passkey) -> None:
        """Inserted at once inside a savepoint, so a credential id another transaction
        registered first is ``PasskeyExistsError`` and this transaction goes on."""
        try:
            with self._session.begin_nested():
                self._session.add(_to_row(passkey))
        except IntegrityError as exc:
            if self._exists(passkey.id):
                raise PasskeyExistsError() from exc
            raise

    def get(self, credential_id: bytes) -> Passkey | None:
        row = self._session.get(Row, encode_id(credential_id), populate_existing=True)
        return _from_row(row) if row else None

    def get_for_user(self, user_id: UserId, credential_id: bytes) -> Passkey | None:
        passkey = self.get(credential_id)
        return passkey if passkey is not None and passkey.user_id == user_id else None

    def list_for_user(self, user_id: UserId) -> list[Passkey]:
        return self._list(select(Row).where(Row.user_id == user_id))

    def list_for_email(self, email: EmailAddress) -> list[Passkey]:
        owner = select(UserRow.id).where(func.lower(UserRow.email) == email.value.lower())
        return self._list(select(Row).where(Row.user_id == owner.scalar_subquery()))

    def count_for_user(self, user_id: UserId) -> int:
        query = select(func.count()).where(Row.user_id == user_id)
        return self._session.scalar(query) or 0

    def rename(self, user_id: UserId, credential_id: bytes, name: str) -> bool:
        statement = update(Row).where(*_mine(user_id, credential_id)).values(name=name)
        return _count(self._session, statement) == 1

    def delete(self, user_id: UserId, credential_id: bytes) -> bool:
        return _count(self._session, delete(Row).where(*_mine(user_id, credential_id))) == 1

    def record_use(
        self, credential_id: bytes, *, seen: int, presented: int, backed_up: bool, at: datetime
    ) -> bool:
        moves = Row.counter < presented if presented else Row.counter == 0
        statement = (
            update(Row)
            .where(Row.id == encode_id(credential_id), Row.counter == seen, moves)
            .values(counter=presented, backed_up=backed_up, last_used_at=at)
        )
        return _count(self._session, statement) == 1

    def handle_of(self, user_id: UserId) -> bytes | None:
        return self._session.scalar(select(Handle.handle).where(Handle.user_id == user_id))

    def ensure_handle(self, user_id: UserId, candidate: bytes) -> bytes:
        values = {"user_id": user_id, "handle": candidate, "created_at": func.current_timestamp()}
        self._session.execute(_insert_or_nothing(self._session, values))
        found = self.handle_of(user_id)
        if found is None:  # the user was deleted meanwhile
            raise LookupError(f"user {user_id} does not exist")
        return found

    def _list(self, query: Any) -> list[Passkey]:
        ordered = query.order_by(Row.created_at.desc(), Row.id.desc())
        rows = self._session.scalars(ordered, execution_options={"populate_existing": True})
        return [_from_row(row) for row in rows]

    def _exists(self, credential_id: bytes) -> bool:
        query = select(func.count()).where(Row.id == encode_id(credential_id))
        return bool(self._session.scalar(query))


def _mine(user_id: UserId, credential_id: bytes) -> tuple[Any, ...]:
    return (Row.id == encode_id(credential_id), Row.user_id == user_id)


def _insert_or_nothing(session: Session, values: dict[str, Any]) -> Executable:
    """``INSERT ... ON CONFLICT (user_id) DO NOTHING``, spelt per dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Handle).values(values).on_conflict_do_nothing()
    return sqlite.insert(Handle).values(values).on_conflict_do_nothing()


def _to_row(passkey: Passkey) -> Row:
    return Row(
        id=encode_id(passkey.id),
        user_id=passkey.user_id,
        name=passkey.name,
        public_key=encode_id(passkey.public_key),
        counter=passkey.counter,
        device_type=passkey.device_type.value,
        backed_up=passkey.backed_up,
        transports=list(passkey.transports),
        created_at=passkey.created_at,
        last_used_at=passkey.last_used_at,
    )


def _from_row(row: Row) -> Passkey:
    return Passkey(
        id=from_base64url(row.id),
        user_id=UserId(row.user_id),
        name=row.name,
        public_key=from_base64url(row.public_key),
        counter=row.counter,
        device_type=DeviceType(row.device_type),
        backed_up=bool(row.backed_up),
        transports=tuple(row.transports or ()),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


def _count(session: Session, statement: Executable) -> int:
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        statement, execution_options={"synchronize_session": False}
    )
    return result.rowcount
