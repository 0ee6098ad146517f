"""The account a first provider sign-in makes: verified (the provider vouched for the
address), with the names the provider's profile gave (or empty), and no password. The
identity is linked in the same transaction, so there is never an account without its way
in, nor a link without its account."""

from __future__ import annotations

from datetime import datetime

from application.common.messages import announce
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.system import IdGenerator
from domain.events import EventDraft, EventType
from domain.ids import UserId
from domain.social import LinkStatus, ProviderIdentity, ProviderLink
from domain.users import User
from domain.values import EmailAddress, PersonName


class ProviderAccounts:
    def __init__(self, publisher: EventPublisher, ids: IdGenerator) -> None:
        self._publisher = publisher
        self._ids = ids

    def create(
        self,
        uow: UnitOfWork,
        identity: ProviderIdentity,
        email: EmailAddress,
        sealed_token: str | None,
        at: datetime,
    ) -> UserId:
        """Inside the caller's transaction. ``EmailTakenError`` when a concurrent sign-up
        took the address first; ``ProviderLinkExistsError`` when a concurrent sign-in of
        the same identity linked it first."""
        user = User(
            id=UserId(self._ids.new()),
            email=email,
            first_name=PersonName(identity.first_name),
            last_name=PersonName(identity.last_name),
            email_verified=True,
            email_verified_at=at,
            created_at=at,
            updated_at=at,
        )
        uow.users.add(user)
        link = new_link(user.id, identity, sealed_token, at)
        uow.provider_links.add(link)
        registered = EventDraft(
            type=EventType.USER_REGISTERED, user_id=user.id, at=at, metadata={"method": "oauth"}
        )
        uow.events.add(registered)
        uow.events.add(link.linked_event())
        uow.after_commit(lambda: announce(self._publisher, "user:created", user.id, user.id, at))
        return user.id


def new_link(
    user_id: UserId, identity: ProviderIdentity, sealed_token: str | None, at: datetime
) -> ProviderLink:
    return ProviderLink(
        provider=identity.provider,
        subject=identity.subject,
        user_id=user_id,
        email=identity.email,
        status=LinkStatus.CONNECTED if sealed_token else LinkStatus.TOKEN_MISSING,
        sealed_token=sealed_token,
        scope=identity.scope,
        linked_at=at,
        last_sync_at=at,
    )
