"""Small value objects: each ``parse`` normalises and validates untrusted text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from domain.errors import ValidationFailedError

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_DOT = "•"


def _invalid(field: str, message: str) -> ValidationFailedError:
    return ValidationFailedError({field: [message]}, message)


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """Trimmed and lower-cased; CR, LF, NUL and other control characters are refused
    before any mail is built (header injection). Full syntax checks run at the edge."""

    value: str

    @classmethod
    def parse(cls, raw: str, field: str = "email") -> EmailAddress:
        text = unicodedata.normalize("NFC", raw).strip().lower()
        if has_control_characters(text):
            raise _invalid(field, "Control characters are not allowed.")
        if not text or len(text) > MAX_EMAIL_LENGTH or not _EMAIL_SHAPE.match(text):
            raise _invalid(field, "Not a valid email address.")
        return cls(text)

    @property
    def local_part(self) -> str:
        return self.value.rsplit("@", 1)[0]

    def masked(self) -> str:
        """``ada@example.com`` → ``a•••@example.com``: enough for its owner to recognise,
        too little for anyone else to learn it (three dots, whatever the length)."""
        domain = self.value.rsplit("@", 1)[1]
        return f"{self.local_part[0]}{_DOT * 3}@{domain}"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class PersonName:
    """A first, last or display name: 1..limit characters, no control characters."""

    value: str

    @classmethod
    def parse(cls, raw: str, field: str, limit: int = 50) -> PersonName:
        text = unicodedata.normalize("NFC", raw).strip()
        if has_control_characters(text):
            raise _invalid(field, "Control characters are not allowed.")
        if not text:
            raise _invalid(field, "Must not be empty.")
        if len(text) > limit:
            raise _invalid(field, f"At most {limit} characters.")
        return cls(text)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """E.164 (``+`` and 7..15 digits). Finer checks per country happen at the edge."""

    value: str

    @classmethod
    def parse(cls, raw: str, field: str = "phone") -> PhoneNumber:
        text = re.sub(r"[\s().-]", "", raw)
        if not _E164.match(text):
            raise _invalid(field, "Use the international E.164 form, e.g. +14155550100.")
        return cls(text)

    def masked(self) -> str:
        """``+14155550123`` → ``+1••••••••23``: enough to recognise, too little to use."""
        digits = self.value[1:]
        return f"+{digits[0]}{_DOT * (len(digits) - 3)}{digits[-2:]}"

    def __str__(self) -> str:
        return self.value
