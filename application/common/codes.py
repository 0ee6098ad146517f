"""Short numeric codes sent to a person (email verification now, phone later).

A code is stored only as a keyed hash, bound to the subject *and* the address it went to.
The attempt counter lives beside it and is incremented before comparing, atomically, so
parallel guesses cannot exceed the budget; issuing a new code never resets the counter
(NIST 800-63B §3.1.3.2: a new secret does not reset the failure count).
"""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.ephemeral import ChallengeStore
from application.ports.security import Digester, SecretGenerator
from domain.errors import InvalidCodeError, RateLimitedError


@dataclass(frozen=True, slots=True)
class CodePolicy:
    purpose: str
    ttl_seconds: int = 900
    max_attempts: int = 5
    digits: int = 6


class OneTimeCodes:
    def __init__(
        self,
        store: ChallengeStore,
        secrets: SecretGenerator,
        digester: Digester,
        policy: CodePolicy,
    ) -> None:
        self._store = store
        self._secrets = secrets
        self._digester = digester
        self._policy = policy

    @property
    def ttl_seconds(self) -> int:
        return self._policy.ttl_seconds

    def _key(self, subject: str) -> str:
        return f"{self._policy.purpose}:{subject}"

    def issue(self, subject: str, address: str) -> str:
        """A fresh code replacing any earlier one for the subject; returns it to be sent."""
        code = self._secrets.numeric_code(self._policy.digits)
        fields = {"digest": self._digest(code), "address": self._address_digest(address)}
        self._store.put(self._key(subject), fields, self._policy.ttl_seconds)
        return code

    def consume(self, subject: str, address: str, code: str) -> None:
        """Accept the right code once; raise ``InvalidCodeError`` otherwise, and
        ``RateLimitedError`` once the attempt budget is spent (the code is then void)."""
        attempts = self._store.increment(self._key(f"attempts:{subject}"), self._policy.ttl_seconds)
        if attempts > self._policy.max_attempts:
            self._store.delete(self._key(subject))
            raise RateLimitedError(
                self._policy.ttl_seconds, "Too many wrong codes.", bucket="code-attempts"
            )
        record = self._store.get(self._key(subject))
        if record is None or not self._matches(record, address, code):
            raise InvalidCodeError()
        if self._store.take(self._key(subject)) is None:
            raise InvalidCodeError()
        self._store.delete(self._key(f"attempts:{subject}"))

    def void(self, subject: str) -> None:
        self._store.delete(self._key(subject))

    def _matches(self, record: dict[str, str], address: str, code: str) -> bool:
        same_code = self._digester.same(record.get("digest", ""), self._digest(code))
        same_address = self._digester.same(record.get("address", ""), self._address_digest(address))
        return same_code and same_address

    def _address_digest(self, address: str) -> str:
        """Keyed: phone numbers and emails are few enough to enumerate a plain hash."""
        return self._digester.keyed(address, f"{self._policy.purpose}-address")

    def _digest(self, code: str) -> str:
        return self._digester.keyed(code, self._policy.purpose)
