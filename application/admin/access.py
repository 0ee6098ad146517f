"""Who may administer: an active account whose stored role is ``admin``.

Checked against the database, not the access token's ``role`` claim, so a demoted or
disabled administrator loses the rights at once rather than when the token expires; the
CLI and the worker get the same rule as HTTP.
"""

from __future__ import annotations

from application.ports.persistence import UnitOfWork
from domain.errors import ForbiddenError, NotFoundError
from domain.ids import UserId
from domain.users import Role, User, UserStatus


def require_admin(uow: UnitOfWork, actor: UserId) -> User:
    admin = uow.users.get(actor)
    if admin is None or admin.role is not Role.ADMIN or admin.status is not UserStatus.ACTIVE:
        raise ForbiddenError("This needs an administrator.")
    return admin


def target_user(uow: UnitOfWork, user_id: UserId, *, for_update: bool = False) -> User:
    user = uow.users.get(user_id, for_update=for_update)
    if user is None:
        raise NotFoundError("No such user.")
    return user
