"""``DELETE /me/providers/{provider}``: unlink the user's identity at a provider.

404 ``provider_not_linked`` when there is none. Refused with 409 ``last_login_method``
when nothing else could sign in afterwards (no password, no passkey, no other provider,
SECURITY OA-09). The sealed access token goes with the row. Recorded as
``provider.unlinked`` and mailed.
"""

from __future__ import annotations

from dataclasses import dataclass

from application.common.messages import rfc3339
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from domain.errors import LastLoginMethodError, NotFoundError, ProviderNotLinkedError
from domain.ids import UserId
from domain.social import Provider, sign_in_methods


@dataclass(frozen=True, slots=True)
class UnlinkProviderCommand:
    user_id: UserId
    provider: str


class UnlinkProvider:
    def __init__(self, uow: UnitOfWork, notifier: Notifier, clock: Clock) -> None:
        self._uow = uow
        self._notifier = notifier
        self._clock = clock

    def __call__(self, cmd: UnlinkProviderCommand) -> None:
        try:
            provider = Provider(cmd.provider)
        except ValueError:
            raise ProviderNotLinkedError() from None
        now = self._clock.now()
        with self._uow as uow:
            user = uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFoundError()
            link = uow.provider_links.get_for_user(user.id, provider)
            if link is None:
                raise ProviderNotLinkedError()
            left = sign_in_methods(
                has_password=user.password is not None,
                passkeys=uow.passkeys.count_for_user(user.id),
                providers=uow.provider_links.count_for_user(user.id),
            )
            if left <= 1:
                raise LastLoginMethodError()
            uow.provider_links.delete(user.id, provider)
            uow.events.add(link.unlinked_event(now))
            params = {
                "first_name": user.first_name.value,
                "provider": provider.display_name,
                "at": rfc3339(now),
            }
            notice = Notice(NoticeKind.PROVIDER_UNLINKED, user.email.value, params)
            uow.after_commit(lambda: self._notifier.send(notice))
            uow.commit()
