"""``GET /admin/users``: find accounts by email prefix and status, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from application.admin.access import require_admin
from application.common.paging import DEFAULT_LIMIT, Page, check_limit, decode_cursor, page_of
from application.ports.persistence import Keyset, UnitOfWork
from domain.ids import UserId
from domain.users import User, UserProfile, UserStatus

CURSOR_KIND = "users"


@dataclass(frozen=True, slots=True)
class ListUsersCommand:
    actor: UserId
    email_prefix: str | None = None
    status: UserStatus | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


class ListUsers:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: ListUsersCommand) -> Page[UserProfile]:
        with self._uow as uow:
            require_admin(uow, cmd.actor)
            limit = check_limit(cmd.limit)
            rows = uow.users.page(
                email_prefix=(cmd.email_prefix or "").strip() or None,
                status=cmd.status,
                after=decode_cursor(CURSOR_KIND, cmd.cursor),
                limit=limit + 1,
            )
        return page_of(CURSOR_KIND, rows, limit, _position, UserProfile.of)


def _position(user: User) -> Keyset:
    return Keyset(at=user.created_at, id=user.id)
