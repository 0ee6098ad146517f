"""A per-address budget on outgoing mail, so nobody can flood an inbox through us.

Every enumeration-sensitive endpoint charges it for every email, known or not, so the
work done (and a Redis outage's 503) looks the same either way.
"""

from __future__ import annotations

from application.ports.ephemeral import ChallengeStore
from application.ports.security import Digester


class NoticeBudget:
    def __init__(self, store: ChallengeStore, digester: Digester, per_hour: int = 3) -> None:
        self._store = store
        self._digester = digester
        self._per_hour = per_hour

    def allow(self, purpose: str, address: str) -> bool:
        key = f"notice_budget:{purpose}:{self._digester.keyed(address, 'notice-budget')}"
        return self._store.increment(key, 3600) <= self._per_hour
