"""Users, looked up by id or by lower-cased email."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.sqlalchemy.errors import violates
from adapters.sqlalchemy.keyset import newest_first
from adapters.sqlalchemy.mapping import user_from_row, user_to_row
from adapters.sqlalchemy.reads import one_row
from adapters.sqlalchemy.rows import UserRow
from application.ports.persistence import ChangedUsers, Keyset, UserRepository
from domain.errors import EmailTakenError
from domain.ids import UserId
from domain.users import User, UserStatus
from domain.values import EmailAddress

"""The columns ``UserProfile`` shows, but ``updated_at``, which counters move too."""

_BY_ID = select(*(attribute.class_attribute for attribute in inspect(UserRow).column_attrs)).where(
    UserRow.id == bindparam("user_id")
)
"""Built once: a plain read by id (``GET /me`` makes one per request) skips building the
statement, its cache key and an ORM instance."""


class SqlUserRepository(UserRepository):
    def __init__(self, session: Session) -> None:
        self._session = session
        self.changes = ChangedUsers()
        """Which users this transaction saved or deleted."""

    def get(self, user_id: UserId, *, for_update: bool = False) -> User | None:
        if not for_update:
            found = self._session.execute(_BY_ID, {"user_id": user_id}).one_or_none()
            return user_from_row(found) if found else None
        query = select(UserRow).where(UserRow.id == user_id)
        row = one_row(self._session, query, for_update=True)
        return user_from_row(row) if row else None

    def get_by_email(self, email: EmailAddress, *, for_update: bool = False) -> User | None:
        query = select(UserRow).where(func.lower(UserRow.email) == email.value.lower())
        row = one_row(self._session, query, for_update=for_update)
        return user_from_row(row) if row else None

    def add(self, user: User) -> None:
        """Inserted at once inside a savepoint: when another transaction holds the email,
        this waits for it, raises ``EmailTakenError``, and leaves this transaction usable."""
        try:
            with self._session.begin_nested():
                self._session.add(user_to_row(user))
        except IntegrityError as exc:
            if violates(exc, "email"):
                raise EmailTakenError() from exc
            raise

    def save(self, user: User) -> None:
        """Flushed at once, so an email another account took meanwhile (a unique index
        violation) is ``EmailTakenError`` here, not an error at commit."""
        self._session.merge(user_to_row(user))
        self.changes.changed.add(user.id)
        try:
            self._session.flush()
        except IntegrityError as exc:
            if violates(exc, "email"):
                raise EmailTakenError() from exc
            raise

    def delete(self, user_id: UserId) -> bool:
        """One DELETE; the foreign keys cascade to everything the user owns."""
        found = self._session.scalar(
            select(UserRow.id).where(UserRow.id == user_id).with_for_update()
        )
        if found is None:
            return False
        self._session.execute(
            delete(UserRow).where(UserRow.id == user_id),
            execution_options={"synchronize_session": False},
        )
        self.changes.changed.add(user_id)
        return True

    def delete_unverified_created_before(self, cutoff: datetime, limit: int) -> list[UserId]:
        """The foreign keys cascade to sessions, refresh tokens and events."""
        doomed = (
            select(UserRow.id)
            .where(UserRow.email_verified.is_(False), UserRow.created_at < cutoff)
            .order_by(UserRow.created_at, UserRow.id)
            .limit(limit)
            .with_for_update()
        )
        ids = list(self._session.scalars(doomed))
        if ids:
            self._session.execute(
                delete(UserRow).where(UserRow.id.in_(ids)),
                execution_options={"synchronize_session": False},
            )
        deleted = [UserId(user_id) for user_id in ids]
        self.changes.changed.update(deleted)
        return deleted

    def page(
        self,
        *,
        email_prefix: str | None = None,
        status: UserStatus | None = None,
        after: Keyset | None = None,
        limit: int,
    ) -> list[User]:
        query = select(UserRow)
        if email_prefix:
            # autoescape: a "%" or "_" typed by the admin is a character, not a wildcard.
            lowered = func.lower(UserRow.email)
            query = query.where(lowered.startswith(email_prefix.lower(), autoescape=True))
        if status is not None:
            query = query.where(UserRow.status == status.value)
        query = newest_first(query, UserRow.created_at, UserRow.id, after, limit)
        return [user_from_row(row) for row in self._session.scalars(query)]
