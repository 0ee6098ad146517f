"""Phone numbers checked against libphonenumber's per-country metadata (phonenumbers)."""

from __future__ import annotations

import re

import phonenumbers

from application.ports.identity import PhoneNumberParser
from domain.errors import ValidationFailedError
from domain.values import PhoneNumber

MAX_INPUT_LENGTH = 32
_SHAPE = re.compile(r"\+[\d ().-]+")
_NOT_INTERNATIONAL = "Use the international E.164 form, e.g. +14155550100."
_NOT_VALID = "Not a valid phone number."


class PhonenumbersParser(PhoneNumberParser):
    """Parsed with no default region, so a number without ``+`` and its country code is
    refused rather than guessed. Only digits and the usual separators (space, ``()``, ``.``,
    ``-``) pass: no letters (vanity numbers), extensions or ``tel:`` forms, whose extra
    parts E.164 would silently drop. Input is capped before the library sees it."""

    def parse(self, raw: str, field: str = "phone") -> PhoneNumber:
        text = raw.strip()
        if len(raw) > MAX_INPUT_LENGTH or not _SHAPE.fullmatch(text):
            raise _invalid(field, _NOT_INTERNATIONAL)
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException as exc:
            raise _invalid(field, _NOT_VALID) from exc
        if not (phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)):
            raise _invalid(field, _NOT_VALID)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return PhoneNumber.parse(e164, field)


def _invalid(field: str, message: str) -> ValidationFailedError:
    return ValidationFailedError({field: [message]}, message)
