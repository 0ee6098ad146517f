"""The pending sign-in between the first step and the second (SECURITY MF-01).

``login_attempt:{digest}`` holds who passed the first step and which second steps they
may take, for 5 minutes. The raw ``login_token`` (256 random bits) is only ever in the
client's hands; the store sees its digest. Every try is counted before it is judged, the
sixth and later are refused whatever the code, and finishing takes the record in one
atomic step, so a token completes at most one sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.ports.ephemeral import ChallengeStore
from application.ports.security import Digester, SecretGenerator
from domain.errors import LoginAttemptExpiredError
from domain.factors import LoginMethod
from domain.ids import UserId
from domain.sessions import AuthMethod

LOGIN_ATTEMPT_TTL = 300
MAX_TRIES = 5


@dataclass(frozen=True, slots=True)
class PendingLogin:
    reference: str
    """The token's digest: what keys anything bound to this attempt (its SMS code)."""
    user_id: UserId
    methods: tuple[LoginMethod, ...]
    first_step: tuple[AuthMethod, ...]
    recent_failures: int
    """Wrong passwords before this sign-in, for the trust score of the session it opens."""


class LoginAttempts:
    def __init__(self, store: ChallengeStore, secrets: SecretGenerator, digester: Digester) -> None:
        self._store = store
        self._secrets = secrets
        self._digester = digester

    def start(
        self,
        user_id: UserId,
        methods: list[LoginMethod],
        first_step: tuple[AuthMethod, ...],
        recent_failures: int = 0,
    ) -> str:
        token = self._secrets.token(32)
        record = {
            "user_id": str(user_id),
            "methods": ",".join(m.value for m in methods),
            "first_step": ",".join(m.value for m in first_step),
            "recent_failures": str(recent_failures),
        }
        self._store.put(self._key(self._digester.digest(token)), record, LOGIN_ATTEMPT_TTL)
        return token

    def get(self, token: str) -> PendingLogin:
        """Raise ``LoginAttemptExpiredError`` unless the attempt is alive."""
        reference = self._digester.digest(token)
        record = self._store.get(self._key(reference))
        if record is None:
            raise LoginAttemptExpiredError()
        return PendingLogin(
            reference=reference,
            user_id=UserId(UUID(record["user_id"])),
            methods=tuple(LoginMethod(m) for m in record["methods"].split(",") if m),
            first_step=tuple(AuthMethod(m) for m in record["first_step"].split(",") if m),
            recent_failures=int(record.get("recent_failures", "0")),
        )

    def charge(self, pending: PendingLogin) -> None:
        """Count one try; past the fifth the attempt is dead, even for the right code. The
        record itself stays until it expires, so one of the first five tries still in
        flight (a slow database) can finish."""
        tries = self._store.increment(self._key(f"tries:{pending.reference}"), LOGIN_ATTEMPT_TTL)
        if tries > MAX_TRIES:
            raise LoginAttemptExpiredError()

    def finish(self, pending: PendingLogin) -> None:
        """Take the attempt; of concurrent finishers only one gets past this."""
        if self._store.take(self._key(pending.reference)) is None:
            raise LoginAttemptExpiredError()
        self._store.delete(self._key(f"tries:{pending.reference}"))

    @staticmethod
    def _key(suffix: str) -> str:
        return f"login_attempt:{suffix}"
