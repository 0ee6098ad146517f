from __future__ import annotations

import threading
import unicodedata

import bcrypt
import pytest

from adapters.security.passwords import SCHEME, AdmittedPasswordHasher, BcryptPasswordHasher
from domain.errors import UnavailableError
from domain.passwords import PasswordHash

PEPPER = b"pepper-for-tests-0123456789abcdef"
PASSWORD = "a long enough passphrase"
REAL_CHECKPW = bcrypt.checkpw


def a_hasher(**overrides: object) -> BcryptPasswordHasher:
    options: dict[str, object] = {"pepper": PEPPER, "rounds": 4} | overrides
    return BcryptPasswordHasher(**options)  # type: ignore[arg-type]


def an_admitted_hasher(**admission: object) -> AdmittedPasswordHasher:
    return AdmittedPasswordHasher(a_hasher(), **admission)  # type: ignore[arg-type]


def test_the_stored_hash_names_its_scheme_and_carries_the_configured_cost() -> None:
    stored = a_hasher(rounds=5).hash(PASSWORD)
    assert stored.scheme == SCHEME == "bcrypt-hmac-sha256-v1"
    assert stored.value.startswith("$2b$05$")


@pytest.mark.parametrize("password", ["x" * 200, "é" * 128, "😀" * 40, "a\0b" * 30])
def test_passwords_past_bcrypts_72_bytes_hash_and_verify(password: str) -> None:
    hasher = a_hasher()
    stored = hasher.hash(password)
    assert hasher.verify(password, stored)
    assert not hasher.verify(password[:-1], stored)


def test_a_password_equal_in_its_first_72_bytes_but_not_after_fails() -> None:
    hasher = a_hasher()
    stored = hasher.hash("p" * 72 + "tail-one")
    assert not hasher.verify("p" * 72 + "tail-two", stored)


def test_composed_and_decomposed_forms_of_a_password_verify_alike() -> None:
    hasher = a_hasher()
    stored = hasher.hash("café crème brûlée au lait")
    assert hasher.verify(unicodedata.normalize("NFD", "café crème brûlée au lait"), stored)


def test_the_pepper_is_part_of_the_hash() -> None:
    stored = a_hasher().hash(PASSWORD)
    assert not a_hasher(pepper=b"another-pepper-0123456789abcdef!").verify(PASSWORD, stored)


def test_unknown_users_and_unknown_schemes_cost_one_bcrypt_check_and_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = a_hasher()
    real = hasher.hash(PASSWORD)
    checks: list[bytes] = []

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        checks.append(hashed)
        return REAL_CHECKPW(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting_checkpw)
    assert not hasher.verify(PASSWORD, None)
    assert not hasher.verify(PASSWORD, PasswordHash("argon2id-v1", real.value))
    assert hasher.verify(PASSWORD, real)
    assert len(checks) == 3
    assert checks[0] == checks[1] == hasher.warm_up()


def test_the_dummy_hash_is_made_once_at_the_current_cost() -> None:
    hasher = a_hasher(rounds=5)
    assert hasher.warm_up() is hasher.warm_up()
    assert hasher.warm_up().startswith(b"$2b$05$")


@pytest.mark.parametrize("value", ["", "not bcrypt", "$2b$04$short", "$2b$04$" + "é" * 53])
def test_a_malformed_stored_hash_verifies_as_false_without_raising(value: str) -> None:
    assert not a_hasher().verify(PASSWORD, PasswordHash(SCHEME, value))


def test_rehash_is_needed_when_the_cost_or_the_scheme_changes() -> None:
    stored = a_hasher(rounds=4).hash(PASSWORD)
    assert not a_hasher(rounds=4).needs_rehash(stored)
    assert a_hasher(rounds=5).needs_rehash(stored)
    assert a_hasher().needs_rehash(PasswordHash("bcrypt-v0", stored.value))
    assert a_hasher().needs_rehash(PasswordHash(SCHEME, "garbage"))


def _blocking_checks(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Every bcrypt check now signals ``entered`` and waits for ``release``."""
    entered, release = threading.Event(), threading.Event()

    def slow_checkpw(password: bytes, hashed: bytes) -> bool:
        entered.set()
        release.wait(5)
        return REAL_CHECKPW(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", slow_checkpw)
    return entered, release


def test_with_no_line_told_a_second_check_is_refused_while_one_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = an_admitted_hasher(max_concurrent=1, waiting=0)
    stored = hasher.hash(PASSWORD)
    entered, release = _blocking_checks(monkeypatch)
    results: list[bool] = []
    first = threading.Thread(target=lambda: results.append(hasher.verify(PASSWORD, stored)))
    first.start()
    assert entered.wait(5)
    with pytest.raises(UnavailableError) as shed:
        hasher.verify(PASSWORD, stored)
    with pytest.raises(UnavailableError):
        hasher.hash(PASSWORD)
    release.set()
    first.join(5)
    assert results == [True]
    assert shed.value.retry_after == 1
    assert hasher.verify(PASSWORD, stored)


@pytest.mark.parametrize(("pepper", "rounds"), [(b"short", 4), (PEPPER, 3), (PEPPER, 32)], ids=str)
def test_weak_settings_are_refused(pepper: bytes, rounds: int) -> None:
    with pytest.raises(ValueError, match=r"pepper|rounds"):
        BcryptPasswordHasher(pepper=pepper, rounds=rounds)


def test_one_check_runs_one_waits_and_a_third_is_refused_without_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hasher = an_admitted_hasher(max_concurrent=1)
    stored = hasher.hash(PASSWORD)
    entered, release = _blocking_checks(monkeypatch)
    results: list[bool] = []
    running = threading.Thread(target=lambda: results.append(hasher.verify(PASSWORD, stored)))
    running.start()
    assert entered.wait(5)
    waiting = threading.Thread(target=lambda: results.append(hasher.verify(PASSWORD, stored)))
    waiting.start()
    while waiting.is_alive() and not _in_line(hasher):
        threading.Event().wait(0.01)
    refused: list[type[BaseException]] = []

    def third() -> None:
        try:
            hasher.verify(PASSWORD, stored)
        except UnavailableError as error:
            refused.append(type(error))

    caller = threading.Thread(target=third)
    caller.start()
    caller.join(4)  # a caller let into the line would wait for the check held for 5 s
    assert not caller.is_alive()
    assert refused == [UnavailableError]
    release.set()
    running.join(5)
    waiting.join(5)
    assert results == [True, True]


def _in_line(hasher: AdmittedPasswordHasher) -> bool:
    return hasher._work._here().outstanding >= 2  # one running, one waiting
