from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from adapters.security.secret_box import FernetSecretBox

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_sealed_values_open_to_the_same_bytes() -> None:
    box = FernetSecretBox([NEW])
    sealed = box.seal(b"totp seed \x00\xff")
    assert isinstance(sealed, str)
    assert b"totp" not in sealed.encode()
    assert box.open(sealed) == b"totp seed \x00\xff"


def test_after_rotation_old_values_still_open_and_new_ones_use_the_new_key() -> None:
    old_sealed = FernetSecretBox([OLD]).seal(b"before")
    rotated = FernetSecretBox([NEW, OLD])
    assert rotated.open(old_sealed) == b"before"
    new_sealed = rotated.seal(b"after")
    assert FernetSecretBox([NEW]).open(new_sealed) == b"after"
    with pytest.raises(ValueError, match="cannot be opened"):
        FernetSecretBox([OLD]).open(new_sealed)


def test_a_tampered_value_does_not_open() -> None:
    box = FernetSecretBox([NEW])
    sealed = box.seal(b"secret")
    middle = len(sealed) // 2
    flipped = sealed[:middle] + ("A" if sealed[middle] != "A" else "B") + sealed[middle + 1 :]
    for broken in (flipped, sealed[:-4], "", "not a token", "é" * 10):
        with pytest.raises(ValueError, match="cannot be opened"):
            box.open(broken)


def test_long_arbitrary_secrets_derive_a_stable_key() -> None:
    secret = "a passphrase-like secret of more than 32 bytes"
    sealed = FernetSecretBox([secret]).seal(b"value")
    assert FernetSecretBox([NEW, secret]).open(sealed) == b"value"


@pytest.mark.parametrize("keys", [[], ["short"], [NEW, "also short"]])
def test_missing_or_weak_keys_are_refused(keys: list[str]) -> None:
    with pytest.raises(ValueError, match="key"):
        FernetSecretBox(keys)
