"""``GET /admin/users/{id}``: one account with its live sessions and second factors."""

from __future__ import annotations

from dataclasses import dataclass

from application.admin.access import require_admin, target_user
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.results import FactorSummary, SessionView, UserDetail
from domain.factors import login_methods
from domain.ids import UserId
from domain.users import UserProfile


@dataclass(frozen=True, slots=True)
class GetUserCommand:
    actor: UserId
    user_id: UserId


class GetUser:
    """The factor summary names the methods and the linked providers and counts backup
    codes and passkeys; no secret, seed, phone number, code hash, public key or provider
    token leaves the store."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def __call__(self, cmd: GetUserCommand) -> UserDetail:
        with self._uow as uow:
            require_admin(uow, cmd.actor)
            user = target_user(uow, cmd.user_id)
            sessions = uow.sessions.list_active(user.id, self._clock.now())
            factors = uow.factors.list_for_user(user.id)
            left = uow.backup_codes.count_unused(user.id) if factors else 0
            passkeys = uow.passkeys.count_for_user(user.id)
            links = uow.provider_links.list_for_user(user.id)
        return UserDetail(
            user=UserProfile.of(user),
            sessions=[SessionView.of(session) for session in sessions],
            factors=FactorSummary(
                methods=tuple(m.value for m in login_methods(factors, left, passkeys)),
                backup_codes_left=left,
                passkeys=passkeys,
                providers=tuple(link.provider.value for link in links),
            ),
        )
