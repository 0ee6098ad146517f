"""One password check for register, change and reset, so all three refuse alike."""

from __future__ import annotations

from application.ports.security import PasswordBlocklist
from domain.passwords import PasswordPolicy, context_words


class PasswordRules:
    def __init__(self, policy: PasswordPolicy, blocklist: PasswordBlocklist) -> None:
        self._policy = policy
        self._blocklist = blocklist

    def check(self, password: str, *context: str, field: str = "password") -> None:
        """Raise ``WeakPasswordError`` naming the rule: length, common, breached, context."""
        self._policy.check(
            password,
            context=context_words(*context),
            blocklist_reason=self._blocklist.reason(password),
            field=field,
        )
