"""Identities at sign-in providers (``auth_providers``). An insert runs at once inside a
savepoint: a concurrent transaction that linked the same identity, or another identity
of the same provider to the same user, makes it wait and then fail on a unique
constraint, which becomes the domain's conflict while this transaction goes on. A
re-seal is one conditional UPDATE on the token it read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Executable, delete, func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from adapters.sqlalchemy.reads import one_row
from adapters.sqlalchemy.rows import ProviderLinkRow as Row
from application.ports.persistence import ProviderLinkRepository
from domain.errors import ProviderAlreadyLinkedError, ProviderLinkExistsError
from domain.ids import UserId
from domain.social import LinkStatus, Provider, ProviderLink

_ORDER = {provider: rank for rank, provider in enumerate(Provider)}


class SqlProviderLinkRepository(ProviderLinkRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, link: ProviderLink) -> None:
        try:
            with self._session.begin_nested():
                self._session.add(_to_row(link))
        except IntegrityError as exc:
            if self.get(link.provider, link.subject) is not None:
                raise ProviderLinkExistsError() from exc
            if self.get_for_user(link.user_id, link.provider) is not None:
                raise ProviderAlreadyLinkedError() from exc
            raise

    def get(
        self, provider: Provider, subject: str, *, for_update: bool = False
    ) -> ProviderLink | None:
        query = select(Row).where(Row.type == provider.value, Row.provider_id == subject)
        row = one_row(self._session, query, for_update=for_update)
        return _from_row(row) if row else None

    def get_for_user(self, user_id: UserId, provider: Provider) -> ProviderLink | None:
        query = select(Row).where(Row.user_id == user_id, Row.type == provider.value)
        row = one_row(self._session, query, for_update=False)
        return _from_row(row) if row else None

    def list_for_user(self, user_id: UserId) -> list[ProviderLink]:
        rows = self._session.scalars(
            select(Row).where(Row.user_id == user_id),
            execution_options={"populate_existing": True},
        )
        links = [_from_row(row) for row in rows]
        return sorted(links, key=lambda link: _ORDER[link.provider])

    def count_for_user(self, user_id: UserId) -> int:
        return self._session.scalar(select(func.count()).where(Row.user_id == user_id)) or 0

    def save(self, link: ProviderLink) -> None:
        query = select(Row).where(Row.type == link.provider.value, Row.provider_id == link.subject)
        row = one_row(self._session, query, for_update=False)
        if row is None:
            raise LookupError("no such provider link")
        row.email = link.email
        row.access_token = link.sealed_token
        row.meta = _meta(link)
        row.status = link.status.value
        row.last_sync_at = link.last_sync_at
        self._session.flush()

    def delete(self, user_id: UserId, provider: Provider) -> bool:
        statement = delete(Row).where(Row.user_id == user_id, Row.type == provider.value)
        return _count(self._session, statement) == 1

    def list_sealed(self, after: tuple[Provider, str] | None, limit: int) -> list[ProviderLink]:
        """A keyset page on the (type, provider_id) key: the row-value comparison spans
        providers, so a page that ends inside one provider goes on inside the next."""
        query = (
            select(Row)
            .where(Row.access_token.is_not(None))
            .order_by(Row.type, Row.provider_id)
            .limit(limit)
        )
        if after is not None:
            provider, subject = after
            key = tuple_(Row.type, Row.provider_id)
            query = query.where(key > tuple_(provider.value, subject))
        return [_from_row(row) for row in self._session.scalars(query)]

    def reseal(self, provider: Provider, subject: str, old: str, new: str) -> bool:
        statement = (
            update(Row)
            .where(Row.type == provider.value, Row.provider_id == subject)
            .where(Row.access_token == old)
            .values(access_token=new)
        )
        return _count(self._session, statement) == 1


def _count(session: Session, statement: Executable) -> int:
    """How many rows the DELETE or UPDATE touched; the session's copies are left alone."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        statement, execution_options={"synchronize_session": False}
    )
    return result.rowcount


def _meta(link: ProviderLink) -> dict[str, Any] | None:
    return {"scope": link.scope} if link.scope is not None else None


def _to_row(link: ProviderLink) -> Row:
    return Row(
        user_id=link.user_id,
        type=link.provider.value,
        provider_id=link.subject,
        email=link.email,
        linked_at=link.linked_at,
        meta=_meta(link),
        access_token=link.sealed_token,
        status=link.status.value,
        last_sync_at=link.last_sync_at,
    )


def _from_row(row: Row) -> ProviderLink:
    scope = (row.meta or {}).get("scope")
    return ProviderLink(
        provider=Provider(row.type),
        subject=row.provider_id,
        user_id=UserId(row.user_id),
        email=row.email,
        status=LinkStatus(row.status),
        sealed_token=row.access_token,
        scope=scope if isinstance(scope, str) else None,
        linked_at=row.linked_at,
        last_sync_at=row.last_sync_at,
    )
