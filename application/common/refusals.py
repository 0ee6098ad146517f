"""Logging a refusal (SECURITY LO-01): the refused action's own transaction rolls back, so
its event is committed in a transaction of its own."""

from __future__ import annotations

from datetime import datetime

from application.ports.persistence import UnitOfWork
from domain.errors import DomainError
from domain.events import EventDraft, EventType
from domain.users import User


def record_on_its_own(uow: UnitOfWork, draft: EventDraft) -> None:
    with uow as transaction:
        transaction.events.add(draft)
        transaction.commit()


def check_may_sign_in(
    uow: UnitOfWork, user: User, *, require_verified_email: bool, at: datetime
) -> None:
    """Inside the sign-in's transaction, after its proof was accepted: an account that may
    not sign in (disabled, locked, unverified) raises its error, and ``login.failed`` with
    that reason is kept whatever becomes of the transaction."""
    try:
        user.check_may_sign_in(require_verified_email)
    except DomainError as refusal:
        uow.record_refusal(
            EventDraft(
                type=EventType.LOGIN_FAILED,
                user_id=user.id,
                at=at,
                metadata={"reason": refusal.code},
            )
        )
        raise
