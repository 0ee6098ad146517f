from __future__ import annotations

import pytest

from adapters.system.phones import PhonenumbersParser
from domain.errors import ValidationFailedError
from domain.values import PhoneNumber


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+1 (650) 253-0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+33 1 42 68 53 00", "+33142685300"),
        ("+49 30 901820", "+4930901820"),
        ("+81 3-3224-5000", "+81332245000"),
        ("+61.2.9374.4000", "+61293744000"),
        ("+91 98765 43210", "+919876543210"),
        ("  +5511912345678 ", "+5511912345678"),
    ],
)
def test_valid_numbers_from_many_countries_become_e164(raw: str, e164: str) -> None:
    assert PhonenumbersParser().parse(raw) == PhoneNumber(e164)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "0650 253 0000",
        "+1",
        "+",
        "abc",
        "+1 800 FLOWERS",
        "+99912345678",
        "+1 650 253 0000 ext. 12",
        "tel:+1-650-253-0000",
        "+1 650 253 00000000",
        "+44 20 7946 095",
        "+1\n6502530000",
        "+" + "1" * 40,
        "+1 650 253 0000" + " " * 30,
    ],
)
def test_anything_else_is_a_validation_error_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        PhonenumbersParser().parse(raw, field="phone_number")
    assert list(caught.value.errors) == ["phone_number"]
