"""Telling a user about a sign-in that does not look like theirs (SECURITY DV-03, D9).

A new session whose trust score is below the threshold (``BASTION_SUSPICIOUS_TRUST_BELOW``)
is recorded as ``session.suspicious``, with the signals that counted against it, and the
user gets a "new sign-in" mail: the device, the approximate place, the time and where to
review their sessions. That is all a score does; it never skips or adds a factor.
"""

from __future__ import annotations

from application.common.messages import rfc3339
from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.persistence import UnitOfWork
from domain.events import EventDraft, EventType
from domain.sessions import DeviceInfo, DeviceSession
from domain.trust import TrustSignals, concerns
from domain.users import User

UNKNOWN_PLACE = "an unknown place"


class SuspiciousSignIns:
    def __init__(self, notifier: Notifier, threshold: int) -> None:
        self._notifier = notifier
        self._threshold = threshold

    def review(
        self, uow: UnitOfWork, user: User, session: DeviceSession, signals: TrustSignals
    ) -> None:
        """Inside the caller's transaction; the mail leaves only once it committed."""
        if session.trust_score >= self._threshold:
            return
        uow.events.add(
            EventDraft(
                type=EventType.SESSION_SUSPICIOUS,
                user_id=user.id,
                session_id=session.id,
                at=session.created_at,
                metadata={
                    "trust_score": session.trust_score,
                    "signals": ",".join(concerns(signals)),
                },
            )
        )
        params = {
            "first_name": user.first_name.value,
            "device": describe_device(session.device),
            "place": session.location.describe() or UNKNOWN_PLACE,
            "at": rfc3339(session.created_at),
        }
        notice = Notice(NoticeKind.NEW_SIGN_IN, user.email.value, params)
        uow.after_commit(lambda: self._notifier.send(notice))


def describe_device(device: DeviceInfo) -> str:
    """``Firefox on Linux``, ``Mobile Safari on iOS (iPhone)``; the parts are parsed
    families, clipped, never the raw User-Agent."""
    text = " on ".join(part for part in (device.browser, device.os) if part) or "an unknown browser"
    return f"{text} ({device.device})" if device.device else text
