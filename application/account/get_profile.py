"""Read a user's profile from the database (``GET /me`` reads it with the session instead:
``Authenticate`` with ``with_profile``)."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.persistence import UnitOfWork
from domain.errors import NotFoundError
from domain.ids import UserId
from domain.users import UserProfile


@dataclass(frozen=True, slots=True)
class GetProfileCommand:
    user_id: UserId


class GetProfile:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, cmd: GetProfileCommand) -> UserProfile:
        with self._uow as uow:
            user = uow.users.get(cmd.user_id)
        if user is None:
            raise NotFoundError()
        return UserProfile.of(user)
