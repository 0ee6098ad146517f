"""The link mode of a provider callback: the identity joins the account that started the
flow (the state record names it, SECURITY OA-09). An identity linked to another account
is never moved (``identity_linked_elsewhere``); one linked to this account already is
refreshed. The link is recorded as ``provider.linked`` and the user is mailed."""

from __future__ import annotations

from datetime import datetime

from application.common.messages import rfc3339
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from application.social.accounts import new_link
from domain.errors import ProviderAlreadyLinkedError, ProviderLinkExistsError
from domain.ids import UserId
from domain.social import ProviderIdentity


class IdentityLinker:
    def __init__(self, uow: UnitOfWork, notifier: Notifier) -> None:
        self._uow = uow
        self._notifier = notifier

    def link(
        self, user_id: UserId, identity: ProviderIdentity, sealed: str | None, at: datetime
    ) -> str | None:
        """None when linked; otherwise the ``error`` code for the client app."""
        with self._uow as uow:
            user = uow.users.get(user_id, for_update=True)
            if user is None:
                return "account_not_found"
            existing = uow.provider_links.get(identity.provider, identity.subject, for_update=True)
            if existing is not None and existing.user_id != user.id:
                return ProviderLinkExistsError.code
            if existing is not None:
                existing.sync(identity.email, sealed, identity.scope, at)
                uow.provider_links.save(existing)
                uow.commit()
                return None
            link = new_link(user.id, identity, sealed, at)
            try:
                uow.provider_links.add(link)
            except (ProviderLinkExistsError, ProviderAlreadyLinkedError) as refused:
                return refused.code
            uow.events.add(link.linked_event())
            params = {
                "first_name": user.first_name.value,
                "provider": identity.provider.display_name,
                "at": rfc3339(at),
            }
            notice = Notice(NoticeKind.PROVIDER_LINKED, user.email.value, params)
            uow.after_commit(lambda: self._notifier.send(notice))
            uow.commit()
        return None
