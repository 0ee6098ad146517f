"""``POST /admin/users/{id}/disable``: turn an account off and end every session of it."""

from __future__ import annotations

from dataclasses import dataclass

from application.admin.access import require_admin, target_user
from application.common.messages import announce
from application.common.revocation import SessionRevoker
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.ids import UserId
from domain.sessions import RevokeReason
from domain.users import UserProfile


@dataclass(frozen=True, slots=True)
class DisableUserCommand:
    actor: UserId
    user_id: UserId


class DisableUser:
    """Access ends at once (SECURITY EV-05): every session is revoked in the same
    transaction, so the user's access tokens fail on their next request and refresh
    fails; sign-in then answers ``account_disabled``. An administrator cannot disable
    itself (403 ``cannot_disable_self``). Disabling a disabled account changes nothing."""

    def __init__(
        self, uow: UnitOfWork, revoker: SessionRevoker, publisher: EventPublisher, clock: Clock
    ) -> None:
        self._uow = uow
        self._revoker = revoker
        self._publisher = publisher
        self._clock = clock

    def __call__(self, cmd: DisableUserCommand) -> UserProfile:
        now = self._clock.now()
        with self._uow as uow:
            admin = require_admin(uow, cmd.actor)
            user = target_user(uow, cmd.user_id, for_update=True)
            draft = user.disable(admin.id, now)
            if draft is not None:
                uow.users.save(user)
                uow.events.add(draft)
                uow.after_commit(
                    lambda: announce(self._publisher, "user:updated", user.id, user.id, now)
                )
            self._revoker.revoke_all(uow, user.id, RevokeReason.ACCOUNT_DISABLED, now)
            uow.commit()
        return UserProfile.of(user)
