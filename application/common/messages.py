"""Pub/sub payloads: ids and a time, never personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from application.ports.messaging import EventPublisher


def announce(
    publisher: EventPublisher, channel: str, entity_id: UUID, user_id: UUID, at: datetime
) -> None:
    payload = {"id": str(entity_id), "user_id": str(user_id), "at": rfc3339(at)}
    publisher.publish(channel, payload)


def rfc3339(at: datetime) -> str:
    """UTC with a ``Z``, as every time in the API is written."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
