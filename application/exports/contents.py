"""What an export holds, file by file (SECURITY GD-03): the user's data as the API shows
it to them, never a password hash, TOTP seed, backup-code hash, token digest, raw IP,
passkey public key or provider token. Every list is read a batch at a time, each batch in
its own short unit of work, so a long history never pins one transaction or one large list
in memory (a user's passkeys, at most 20, and provider links, at most one per provider,
are read with the profile)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from application.exports.archive import ArchiveWriter
from application.exports.readme import README
from application.ports.persistence import Keyset, UnitOfWork
from application.results import (
    DeletedTaskView,
    PasskeyView,
    ProviderLinkView,
    SessionView,
    TaskView,
)
from domain.events import AccountEvent
from domain.factors import FactorKind
from domain.ids import UserId
from domain.passkeys import Passkey
from domain.sessions import DeviceSession
from domain.social import ProviderLink
from domain.users import UserProfile

BATCH = 1000
T = TypeVar("T")
Page = Callable[[UnitOfWork, Keyset | None, int], list[T]]


class ExportContents:
    """Writes one user's export into an archive; ``progress(fraction)`` is told after
    each file."""

    def __init__(self, uow: UnitOfWork, batch: int | None = None) -> None:
        self._uow = uow
        self._batch = batch or BATCH

    def write(
        self, user_id: UserId, archive: ArchiveWriter, progress: Callable[[float], None]
    ) -> bool:
        """False when the user no longer exists (deleted meanwhile): nothing to export."""
        with self._uow as uow:
            user = uow.users.get(user_id)
            if user is None:
                return False
            factors = self._factors(uow, user_id)
            passkeys = [_passkey(passkey) for passkey in uow.passkeys.list_for_user(user_id)]
            providers = [_provider(link) for link in uow.provider_links.list_for_user(user_id)]
        steps: list[Callable[[], object]] = [
            lambda: archive.document("profile.json", UserProfile.of(user)),
            lambda: archive.records("sessions.json", self._sessions(user_id)),
            lambda: archive.records("events.json", self._events(user_id)),
            lambda: archive.document("factors.json", factors),
            lambda: archive.records("passkeys.json", [passkeys]),
            lambda: archive.records("providers.json", [providers]),
            lambda: archive.records("tasks.json", self._tasks(user_id)),
            lambda: archive.records("deleted_tasks.json", self._trash(user_id)),
            lambda: archive.text("README.txt", README),
        ]
        for done, step in enumerate(steps, start=1):
            step()
            progress(done / len(steps))
        return True

    def _sessions(self, user_id: UserId) -> Iterator[list[dict[str, Any]]]:
        pages = self._pages(
            lambda uow, after, n: uow.sessions.page_for_user(user_id, after=after, limit=n),
            lambda session: Keyset(session.created_at, session.id),
        )
        return ([_session(session) for session in sessions] for sessions in pages)

    def _events(self, user_id: UserId) -> Iterator[list[dict[str, Any]]]:
        pages = self._pages(
            lambda uow, after, n: uow.events.page(user_id=user_id, after=after, limit=n),
            lambda event: Keyset(event.occurred_at, event.id),
        )
        return ([_event(event) for event in events] for events in pages)

    def _tasks(self, user_id: UserId) -> Iterator[list[TaskView]]:
        pages = self._pages(
            lambda uow, after, n: uow.tasks.page(user_id, after=after, limit=n),
            lambda task: Keyset(task.created_at, task.id),
        )
        return ([TaskView.of(task) for task in tasks] for tasks in pages)

    def _trash(self, user_id: UserId) -> Iterator[list[DeletedTaskView]]:
        pages = self._pages(
            lambda uow, after, n: uow.deleted_tasks.page(user_id, after=after, limit=n),
            lambda deleted: Keyset(deleted.deleted_at, deleted.id),
        )
        return ([DeletedTaskView.of(deleted) for deleted in trash] for trash in pages)

    def _pages(self, page: Page[T], position: Callable[[T], Keyset]) -> Iterator[list[T]]:
        """Keyset pages until one comes back short, each read in its own unit of work."""
        after: Keyset | None = None
        while True:
            with self._uow as uow:
                items = page(uow, after, self._batch)
            if items:
                yield items
            if len(items) < self._batch:
                return
            after = position(items[-1])

    @staticmethod
    def _factors(uow: UnitOfWork, user_id: UserId) -> list[dict[str, Any]]:
        """Methods only: the kind and its times, never the sealed seed or the number."""
        factors = sorted(uow.factors.list_for_user(user_id), key=lambda f: f.kind.value)
        methods: list[dict[str, Any]] = [
            {
                "method": "authenticator_app" if f.kind is FactorKind.TOTP else "text_message",
                "enabled_at": f.created_at,
                "last_used_at": f.last_used_at,
            }
            for f in factors
        ]
        if factors:
            codes_left = uow.backup_codes.count_unused(user_id)
            methods.append({"method": "backup_codes", "codes_left": codes_left})
        return methods


def _event(event: AccountEvent) -> dict[str, Any]:
    """``EventItem`` as plain JSON values, made here rather than by the encoder's
    fallback: an export may hold a hundred thousand of these, and this is a third of
    the cost."""
    return {
        "id": str(event.id),
        "type": event.type.value,
        "occurred_at": event.occurred_at.isoformat(),
        "session_id": str(event.session_id) if event.session_id else None,
        "metadata": dict(event.metadata),
    }


def _passkey(passkey: Passkey) -> dict[str, Any]:
    """``PasskeyView``: the credential id (base64url), never the public key."""
    return dataclasses.asdict(PasskeyView.of(passkey))


def _provider(link: ProviderLink) -> dict[str, Any]:
    """``ProviderLinkView``: the provider, email, status and times; never the token."""
    return dataclasses.asdict(ProviderLinkView.of(link))


def _session(session: DeviceSession) -> dict[str, Any]:
    """``SessionView`` (no address, no hash; ``current`` means nothing in a file) plus how
    the session ended."""
    shown = dataclasses.asdict(SessionView.of(session))
    del shown["current"]
    return {
        **shown,
        "status": session.status,
        "revoked_at": session.revoked_at,
        "revoked_reason": session.revoked_reason,
    }
