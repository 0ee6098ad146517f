"""``DELETE /me/passkeys/{id}``: remove one of the user's passkeys (SECURITY WA-07).

Another user's passkey is 404. Removing the last way to sign in (no password, no other
passkey and no linked sign-in provider) is 409 ``last_login_method``. The removal
is recorded as ``passkey.removed`` and mailed; an assertion with the removed passkey then
finds nothing and fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.messages import rfc3339
from application.passkeys.lookup import credential_id
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import LastLoginMethodError, NotFoundError
from domain.ids import UserId
from domain.social import sign_in_methods


@dataclass(frozen=True, slots=True)
class RemovePasskeyCommand:
    user_id: UserId
    passkey_id: str


class RemovePasskey:
    def __init__(self, uow: UnitOfWork, notifier: Notifier, clock: Clock) -> None:
        self._uow = uow
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: RemovePasskeyCommand) -> None:
        wanted = credential_id(cmd.passkey_id)
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            passkey = uow.passkeys.get_for_user(cmd.user_id, wanted)
            if user is None or passkey is None:
                raise NotFoundError()
            left = sign_in_methods(
                has_password=user.password is not None,
                passkeys=uow.passkeys.count_for_user(user.id),
                providers=uow.provider_links.count_for_user(user.id),
            )
            if left <= 1:
                raise LastLoginMethodError()
            uow.passkeys.delete(user.id, wanted)
            uow.events.add(passkey.removed_event(now))
            params = {"first_name": user.first_name.value, "name": passkey.name, "at": rfc3339(now)}
            notice = Notice(NoticeKind.PASSKEY_REMOVED, user.email.value, params)
            uow.after_commit(lambda: self._notifier.send(notice))
            uow.commit()
