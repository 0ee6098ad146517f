"""``POST /admin/users/{id}/enable``: let a disabled account sign in again."""

from __future__ import annotations

from dataclasses import dataclass

from application.admin.access import require_admin, target_user
from application.common.messages import announce
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.ids import UserId
from domain.users import UserProfile


@dataclass(frozen=True, slots=True)
class EnableUserCommand:
    actor: UserId
    user_id: UserId


class EnableUser:
    """No session comes back: the user signs in afresh. Enabling an active account
    changes nothing."""

    def __init__(self, uow: UnitOfWork, publisher: EventPublisher, clock: Clock) -> None:
        self._uow = uow
        self._publisher = publisher
        self._clock = clock

    def __call__(self, cmd: EnableUserCommand) -> UserProfile:
        now = self._clock.now()
        with self._uow as uow:
            admin = require_admin(uow, cmd.actor)
            user = target_user(uow, cmd.user_id, for_update=True)
            draft = user.enable(admin.id, now)
            if draft is not None:
                uow.users.save(user)
                uow.events.add(draft)
                uow.after_commit(
                    lambda: announce(self._publisher, "user:updated", user.id, user.id, now)
                )
                uow.commit()
        return UserProfile.of(user)
