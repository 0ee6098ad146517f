"""What leaves the service: pub/sub messages and notices to users."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from domain.ids import ExportId


class EventPublisher(Protocol):
    def publish(self, channel: str, payload: Mapping[str, str]) -> None:
        """Best-effort after commit: failures are logged and counted, never raised.
        Payloads carry ids and times only (``{"id", "user_id", "at"}``)."""
        ...


class NoticeKind(StrEnum):
    VERIFY_EMAIL = "verify_email"
    ACCOUNT_EXISTS = "account_exists"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_DONE = "password_reset_done"
    MFA_ENABLED = "mfa_enabled"
    MFA_DISABLED = "mfa_disabled"
    BACKUP_CODES_REGENERATED = "backup_codes_regenerated"
    BACKUP_CODE_USED = "backup_code_used"
    EMAIL_CHANGE_CODE = "email_change_code"
    EMAIL_IN_USE = "email_in_use"
    EMAIL_CHANGED = "email_changed"
    NEW_SIGN_IN = "new_sign_in"
    EXPORT_READY = "export_ready"
    PASSKEY_ADDED = "passkey_added"
    PASSKEY_REMOVED = "passkey_removed"
    PROVIDER_LINKED = "provider_linked"
    PROVIDER_UNLINKED = "provider_unlinked"


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to one user. ``params`` may hold the one secret it exists to deliver
    (a code, a reset token); adapters that queue it must seal it first."""

    kind: NoticeKind
    to: str
    params: Mapping[str, str] = field(default_factory=dict)


class BackgroundTasks(Protocol):
    """Work that must not run on the request path, so that a request costs the same
    whatever it is about (SECURITY EN-02: whether an email has an account)."""

    def defer(self, task: str, payload: Mapping[str, str]) -> None:
        """Queue the named task and return at once, at the same cost for any payload.
        Queued adapters seal the payload. Raises ``UnavailableError`` when it cannot even
        be queued."""
        ...


class JobState(StrEnum):
    WAITING = "waiting"
    """Queued, waiting for a retry, or running."""
    GAVE_UP = "gave_up"
    """The queue ran out of retries (a job whose worker died on its last try)."""
    UNKNOWN = "unknown"
    """No job for the export: never queued, or lost with a flushed queue."""


class ExportQueue(Protocol):
    """Where a requested export waits for a worker. A job carries the export id and
    nothing else (SECURITY GD-04); the worker reads the rest from the database. Enqueueing
    an id that already waits is harmless: the job claims its export by a conditional
    update, so a duplicate finds nothing to do."""

    def enqueue(self, export_id: ExportId) -> None:
        """Raises ``UnavailableError`` when the queue cannot be reached; the export then
        waits as ``pending`` for the reconciler."""
        ...

    def job_state(self, export_id: ExportId) -> JobState:
        """What the queue knows of the export's job. Raises ``UnavailableError`` when the
        queue cannot be reached."""
        ...


class Notifier(Protocol):
    def send(self, notice: Notice) -> None:
        """Deliver (or queue for delivery) one notice. Queued adapters return at once and
        cost the same whatever the notice, so callers' timing reveals nothing."""
        ...


@dataclass(frozen=True, slots=True)
class TextMessage:
    """One SMS. ``body`` holds the code it exists to deliver, so queued adapters seal it;
    ``expires_at`` (epoch seconds) is when retrying stops being useful."""

    to: str
    body: str
    expires_at: int


class SmsSender(Protocol):
    def send(self, message: TextMessage) -> None:
        """Queue the message for delivery off the request path and return at once.
        Raises ``UnavailableError`` when it cannot even be queued."""
        ...
