"""The counter rule, passkey names and ids, and the decoys of unknown emails."""

from __future__ import annotations

import os

import pytest

from domain.errors import ValidationFailedError
from domain.factors import LoginMethod, login_methods
from domain.passkeys import (
    MAX_CREDENTIAL_ID_BYTES,
    counter_regressed,
    decode_id,
    decoy_descriptors,
    encode_id,
    passkey_name,
)
from domain.sessions import AuthMethod


@pytest.mark.parametrize(
    ("stored", "presented", "regressed"),
    [
        (0, 0, False),  # a synced passkey that keeps no counter
        (0, 1, False),
        (5, 6, False),
        (5, 5, True),  # the same counter again: a replay or a clone
        (5, 4, True),
        (5, 0, True),  # a counter that went back to zero
        (0, 2**32 - 1, False),
    ],
)
def test_the_counter_must_grow_once_either_side_is_non_zero(
    stored: int, presented: int, regressed: bool
) -> None:
    assert counter_regressed(stored, presented) is regressed


def test_ids_round_trip_as_unpadded_base64url_and_junk_is_no_id() -> None:
    raw = os.urandom(33)
    assert decode_id(encode_id(raw)) == raw
    assert "=" not in encode_id(raw)
    assert decode_id(encode_id(os.urandom(MAX_CREDENTIAL_ID_BYTES))) is not None
    for junk in ("", "a", "abc=", "not base64!", encode_id(os.urandom(1024)), "..", "A" * 5):
        assert decode_id(junk) is None


def test_a_name_is_trimmed_and_bounded() -> None:
    assert passkey_name("  Work laptop ") == "Work laptop"
    for bad in ("", "   ", "x" * 65, "evil\nname", "nul\x00"):
        with pytest.raises(ValidationFailedError):
            passkey_name(bad)


def test_decoys_are_one_or_two_plausible_ids_fixed_by_the_material() -> None:
    shapes = set()
    for _ in range(64):
        material = os.urandom(136)
        decoys = decoy_descriptors(material)
        assert decoys == decoy_descriptors(material)
        assert 1 <= len(decoys) <= 2
        for decoy in decoys:
            assert len(decoy.id) in (16, 20, 32, 64)
            assert decoy.transports
        shapes.add(len(decoys))
    assert shapes == {1, 2}


def test_a_passkey_is_the_strongest_second_step_and_names_its_amr() -> None:
    assert login_methods([], 0, passkeys=1) == [LoginMethod.PASSKEY]
    assert login_methods([], 0, passkeys=0) == []
    assert LoginMethod.PASSKEY.amr is AuthMethod.PASSKEY
