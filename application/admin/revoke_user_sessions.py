"""``DELETE /admin/users/{id}/sessions``: sign a user out everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from application.admin.access import require_admin, target_user
from application.common.revocation import SessionRevoker
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.ids import UserId
from domain.sessions import RevokeReason


@dataclass(frozen=True, slots=True)
class RevokeUserSessionsCommand:
    actor: UserId
    user_id: UserId


class RevokeUserSessions:
    """Every session ends (the administrator's own too, when it names itself); the
    account stays enabled. Returns how many sessions ended."""

    def __init__(self, uow: UnitOfWork, revoker: SessionRevoker, clock: Clock) -> None:
        self._uow = uow
        self._revoker = revoker
        self._clock = clock

    def __call__(self, cmd: RevokeUserSessionsCommand) -> int:
        with self._uow as uow:
            require_admin(uow, cmd.actor)
            user = target_user(uow, cmd.user_id)
            revoked = self._revoker.revoke_all(uow, user.id, RevokeReason.ADMIN, self._clock.now())
            uow.commit()
        return revoked
