"""The password policy (NIST 800-63B-4 §3.1.1.2) and the stored hash value."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import WeakPasswordError

MAX_PASSWORD_LENGTH = 128
_CONTEXT_MIN = 4
_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
SERVICE_WORDS = ("bastion",)


@dataclass(frozen=True, slots=True)
class PasswordHash:
    """A stored password hash and the scheme that made it, so the scheme can change."""

    scheme: str
    value: str


def normalise(password: str) -> str:
    return unicodedata.normalize("NFC", password)


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Length in code points after NFC, no composition rules, no context words.

    Whether a password is common or breached is asked of the blocklist port beforehand
    and passed in, so this stays a pure function of its inputs.
    """

    min_length: int = 15
    max_length: int = MAX_PASSWORD_LENGTH

    def check(
        self,
        password: str,
        context: Iterable[str] = (),
        blocklist_reason: str | None = None,
        field: str = "password",
    ) -> None:
        text = normalise(password)
        if len(text) < self.min_length:
            raise WeakPasswordError(
                "too_short", f"Use at least {self.min_length} characters.", field
            )
        if len(text) > self.max_length:
            raise WeakPasswordError("too_long", f"Use at most {self.max_length} characters.", field)
        if blocklist_reason == "breached":
            raise WeakPasswordError(
                "breached", "This password appears in known data breaches.", field
            )
        if blocklist_reason is not None:
            raise WeakPasswordError("common", "This password is too common.", field)
        if _built_from_context(text, context):
            raise WeakPasswordError(
                "context", "Do not build the password from your name or email.", field
            )


def context_words(*values: str) -> list[str]:
    """Words a password must not be built from: the service name, email parts, names."""
    words = list(SERVICE_WORDS)
    for value in values:
        words.extend(w for w in _NON_ALNUM.split(value.lower()) if len(w) >= _CONTEXT_MIN)
    return words


def _built_from_context(password: str, context: Iterable[str]) -> bool:
    """True when, after removing every context word, little but digits and symbols is left."""
    rest = password.lower()
    found = False
    for word in sorted(set(context), key=len, reverse=True):
        if len(word) >= _CONTEXT_MIN and word in rest:
            rest = rest.replace(word, "")
            found = True
    letters = _NON_ALNUM.sub("", re.sub(r"\d", "", rest))
    return found and len(letters) < _CONTEXT_MIN
