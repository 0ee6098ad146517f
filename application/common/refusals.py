"""Logging a refusal (SECURITY LO-01): the refused action's own transaction rolls back, so
its event is committed in a transaction of its own."""

from __future__ import annotations

from application.ports.persistence import UnitOfWork
from domain.events import EventDraft


def record_on_its_own(uow: UnitOfWork, draft: EventDraft) -> None:
    with uow as transaction:
        transaction.events.add(draft)
        transaction.commit()
