"""Where a factor waits, sealed, between setup and confirmation (10 minutes)."""

from __future__ import annotations

from domain.ids import UserId

PENDING_TTL = 600


def pending_totp_key(user_id: UserId) -> str:
    """The seed's ``pending_registration:{userId}``."""
    return f"pending_registration:{user_id}"


def pending_sms_key(user_id: UserId) -> str:
    return f"pending_sms:{user_id}"
