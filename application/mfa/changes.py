"""What every change to a user's factors does besides the change itself: an account
event in the same transaction, and a notice to the user once it committed (MF-04)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from application.common.messages import rfc3339
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from domain.events import EventDraft, EventType, MetadataValue
from domain.users import User

LABELS = {"totp": "authenticator app", "sms": "SMS codes", "backup_codes": "backup codes"}


def record_factor_change(
    uow: UnitOfWork,
    notifier: Notifier,
    user: User,
    *,
    event: EventType,
    notice: NoticeKind,
    factor: str,
    at: datetime,
    metadata: Mapping[str, MetadataValue] | None = None,
) -> None:
    uow.events.add(EventDraft(type=event, user_id=user.id, at=at, metadata=metadata or {}))
    message = Notice(
        notice,
        user.email.value,
        {"first_name": user.first_name.value, "factor": LABELS[factor], "at": rfc3339(at)},
    )
    uow.after_commit(lambda: notifier.send(message))
