"""What an export holds, file by file (SECURITY GD-03): the user's data as the API shows
it to them, never a password hash, TOTP seed, backup-code hash, token digest, raw IP or
provider token. Each reader opens its own short unit of work per batch, so a large
history never pins one long transaction or one large list in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from application.exports.archive import ArchiveWriter
from application.ports.persistence import BackupCodeRepository, Keyset, UnitOfWork
from application.results import SessionView, TaskView, UserProfile
from domain.events import AccountEvent
from domain.factors import FactorKind, SecondFactor
from domain.ids import UserId
from domain.sessions import DeviceSession
from domain.tasks import Task

BATCH = 1000
SESSION_LIMIT = 10_000
T = TypeVar("T")

README = """\
Bastion data export
===================

This archive holds the data Bastion keeps about your account, as JSON (UTF-8, times in
ISO 8601 with their UTC offset). Secrets are never exported: no password hash, no
authenticator seed, no backup codes, no tokens, no IP addresses.

profile.json        Your profile: name, email and phone (and whether they are verified),
                    role, status, avatar link, when the account was created and last
                    signed in.
sessions.json       Every device session still on record, newest first: browser, system,
                    device, network prefix (never the full address), approximate place,
                    trust score, sign-in methods, status, when it started, was last
                    active, expires or was ended and why.
events.json         Your security log, newest first: each event's id, type, time, the
                    session it came from and its details (no personal data).
factors.json        Which second steps are on (authenticator app, text message, backup
                    codes), since when and when last used, and how many backup codes are
                    left. Never the seed, the codes or their hashes.
passkeys.json       Your passkeys. This Bastion server has no passkey sign-in enabled,
                    so the list is empty.
providers.json      Sign-in providers (Google, GitHub, Apple) linked to your account.
                    This Bastion server has no provider sign-in enabled, so the list is
                    empty; tokens from a provider are never exported.
tasks.json          Your tasks, newest first.
deleted_tasks.json  Tasks in your trash: each task as it was, when it was deleted and
                    until when it can be restored.
README.txt          This file.
"""


class ExportContents:
    """Writes one user's export into an archive. ``progress(fraction)`` is called after
    each file, so a test can pause a job part-way (``BASTION_TEST_EXPORT_PAUSE_AT``)."""

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
            sessions = [_session(s) for s in uow.sessions.list_for_user(user_id, SESSION_LIMIT)]
            factors = _factors(uow.factors.list_for_user(user_id), uow.backup_codes, user_id)
        steps: list[Callable[[], object]] = [
            lambda: archive.document("profile.json", UserProfile.of(user)),
            lambda: archive.records("sessions.json", [sessions]),
            lambda: archive.records("events.json", self._events(user_id)),
            lambda: archive.document("factors.json", factors),
            lambda: archive.records("passkeys.json", []),
            lambda: archive.records("providers.json", []),
            lambda: archive.records("tasks.json", self._tasks(user_id)),
            lambda: archive.records("deleted_tasks.json", self._trash(user_id)),
            lambda: archive.text("README.txt", README),
        ]
        for done, step in enumerate(steps, start=1):
            step()
            progress(done / len(steps))
        return True

    def _events(self, user_id: UserId) -> Iterator[list[dict[str, Any]]]:
        def page(after: Keyset | None) -> list[AccountEvent]:
            with self._uow as uow:
                return uow.events.page(user_id=user_id, after=after, limit=self._batch)

        pages = _batches(page, lambda event: Keyset(event.occurred_at, event.id), self._batch)
        return ([_event(event) for event in events] for events in pages)

    def _tasks(self, user_id: UserId) -> Iterator[list[TaskView]]:
        def page(after: Keyset | None) -> list[TaskView]:
            with self._uow as uow:
                found = uow.tasks.page(user_id, after=after, limit=self._batch)
            return [TaskView.of(task) for task in found]

        return _batches(page, lambda item: Keyset(item.created_at, item.id), self._batch)

    def _trash(self, user_id: UserId) -> Iterator[list[dict[str, Any]]]:
        def page(after: Keyset | None) -> list[dict[str, Any]]:
            with self._uow as uow:
                found = uow.deleted_tasks.page(user_id, after=after, limit=self._batch)
            return [
                {
                    "task": TaskView.of(Task.from_data(d.data)),
                    "deleted_at": d.deleted_at,
                    "restorable_until": d.restorable_until,
                }
                for d in found
            ]

        return _batches(page, lambda item: Keyset(item["deleted_at"], item["task"].id), self._batch)


def _event(event: AccountEvent) -> dict[str, Any]:
    """Plain JSON values made here rather than by the encoder's fallback: an export may
    hold a hundred thousand of these."""
    return {
        "id": str(event.id),
        "type": event.type.value,
        "occurred_at": event.occurred_at.isoformat(),
        "session_id": str(event.session_id) if event.session_id else None,
        "metadata": dict(event.metadata),
    }


def _session(session: DeviceSession) -> dict[str, Any]:
    view = SessionView.of(session)
    fields = {name: getattr(view, name) for name in view.__dataclass_fields__ if name != "current"}
    return {
        **fields,
        "status": session.status,
        "revoked_at": session.revoked_at,
        "revoked_reason": session.revoked_reason,
    }


def _factors(
    factors: list[SecondFactor], codes: BackupCodeRepository, user_id: UserId
) -> list[dict[str, Any]]:
    """Methods only: the kind and its times, never the sealed seed or the number."""
    methods: list[dict[str, Any]] = [
        {
            "method": "authenticator_app" if f.kind is FactorKind.TOTP else "text_message",
            "enabled_at": f.created_at,
            "last_used_at": f.last_used_at,
        }
        for f in sorted(factors, key=lambda f: f.kind.value)
    ]
    if factors:
        methods.append({"method": "backup_codes", "codes_left": codes.count_unused(user_id)})
    return methods


def _batches(
    page: Callable[[Keyset | None], list[T]], position: Callable[[T], Keyset], size: int
) -> Iterator[list[T]]:
    """Pages until one comes back short; each page is one short read."""
    after: Keyset | None = None
    while True:
        items = page(after)
        if items:
            yield items
        if len(items) < size:
            return
        after = position(items[-1])
