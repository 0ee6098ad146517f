from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from domain.factors import (
    BACKUP_CODE_ALPHABET,
    BACKUP_CODE_LENGTH,
    FactorKind,
    LoginMethod,
    SecondFactor,
    display_backup_code,
    login_methods,
    normalise_backup_code,
)
from domain.ids import FactorId, UserId
from domain.sessions import AuthMethod

NOW = datetime(2026, 3, 1, tzinfo=UTC)
codes = st.text(
    alphabet=BACKUP_CODE_ALPHABET, min_size=BACKUP_CODE_LENGTH, max_size=BACKUP_CODE_LENGTH
)


def _factor(kind: FactorKind) -> SecondFactor:
    return SecondFactor(id=FactorId(uuid4()), user_id=UserId(uuid4()), kind=kind, created_at=NOW)


@given(codes, st.data())
def test_any_casing_spacing_or_dashes_of_a_code_normalise_to_it(
    code: str, data: st.DataObject
) -> None:
    shown = display_backup_code(code)
    assert shown.count("-") == 3
    typed = "".join(
        data.draw(st.sampled_from([c.lower(), c.upper()]))
        + data.draw(st.sampled_from(["", " ", "-"]))
        for c in shown.replace("-", "")
    )
    assert normalise_backup_code(typed) == code


@given(codes, codes)
def test_different_codes_stay_different(a: str, b: str) -> None:
    assert (normalise_backup_code(a) == normalise_backup_code(b)) == (a == b)


def test_the_methods_on_offer_follow_the_factors_strongest_first() -> None:
    totp, sms = _factor(FactorKind.TOTP), _factor(FactorKind.SMS)
    assert login_methods([], 10) == []
    assert login_methods([sms, totp], 0) == [LoginMethod.TOTP, LoginMethod.SMS]
    assert login_methods([totp], 3) == [LoginMethod.TOTP, LoginMethod.BACKUP_CODE]


def test_each_login_method_names_its_amr() -> None:
    assert [m.amr for m in LoginMethod] == [
        AuthMethod.OTP,
        AuthMethod.SMS,
        AuthMethod.BACKUP,
        AuthMethod.PASSKEY,
    ]
