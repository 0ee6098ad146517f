from __future__ import annotations

import threading
import time
import unicodedata
from pathlib import Path

import pytest

import adapters.security
from adapters.security.blocklist import PasswordLists, ShippedPasswordBlocklist, read_list

DATA = Path(adapters.security.__file__).parent / "data"


@pytest.fixture(scope="module")
def blocklist() -> ShippedPasswordBlocklist:
    return ShippedPasswordBlocklist()


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "iloveyou",
        "passwordpassword",
        "PasswordPassword",
        "iloveyouiloveyou",
        "qwertyuiop123456",
        "123456789012345",
        "1qaz2wsx3edc4rfv",
        "qazwsxedcrfvtgb",
        "asdfghjkl;'zxcvbnm",
        "P@ssw0rdP@ssw0rd",
        "drowssapdrowssap",
        "dragon!!!2024!!!",
        "sunshine princess 2024",
        "xkcdxkcdxkcdxkcd",
        "aaaaaaaaaaaaaaab",
        "abcdefghijklmnop",
        "password🔒🔒🔒🔒🔒🔒🔒",
        "password£€123456",
        "sunshine€2024!!!!",
        "football§2024!!",
        "iloveyou°12345678",
        "😀😁😂😃😄😅😆😇😈😉😊😋😌😍😎😏",
        "internationally",
        "michael1234567890",
    ],
)
def test_common_passwords_and_ones_built_only_from_common_pieces_are_common(
    blocklist: ShippedPasswordBlocklist, password: str
) -> None:
    assert blocklist.reason(password) == "common"


@pytest.mark.parametrize(
    "password", ["andrewmilligan27", "AndrewMilligan27", "hetaliacanada123", "i love my friends"]
)
def test_long_passwords_from_breach_corpora_are_breached(
    blocklist: ShippedPasswordBlocklist, password: str
) -> None:
    assert blocklist.reason(password) == "breached"


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "tiger lamp orbit velvet",
        "my cat eats purple noodles",
        "Tr0ub4dor&3-horse-staple",
        "vG7#pQ2!xL9@mR4$",
        "🦊🌵🎻🧲🚲🍋🛶🧩🦉🌋🎲🪁🥁🧭🦔🍄",
        "नमस्ते दुनिया मेरा घर",
        "静夜思床前明月光疑是地上霜",
        "🦊🦊🌵🌵 ✨ 🧲🚲🍋🛶🧩",
    ],
)
def test_ordinary_passphrases_and_random_passwords_pass(
    blocklist: ShippedPasswordBlocklist, password: str
) -> None:
    assert blocklist.reason(password) is None


def test_very_long_input_is_answered_quickly(blocklist: ShippedPasswordBlocklist) -> None:
    started = time.perf_counter()
    assert blocklist.reason("password" * 1000) == "common"
    assert blocklist.reason("".join(chr(0x4E00 + i % 5000) for i in range(10_000))) is None
    assert time.perf_counter() - started < 0.5


def test_lookups_are_lower_cased_and_nfc() -> None:
    lists = PasswordLists.build(["café au lait yes"], [], ["crème brûlée forever"])
    assert lists.reason(unicodedata.normalize("NFD", "Café au lait YES")) == "common"
    assert lists.reason(unicodedata.normalize("NFD", "CRÈME brûlée forever")) == "breached"


def test_the_lists_load_once_even_under_concurrent_first_use() -> None:
    fresh = ShippedPasswordBlocklist()
    barrier = threading.Barrier(8)
    seen: list[PasswordLists] = []

    def first_use() -> None:
        barrier.wait()
        fresh.reason("some password here")
        seen.append(fresh.lists())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert all(lists is seen[0] for lists in seen)


def test_lookups_are_fast(blocklist: ShippedPasswordBlocklist) -> None:
    candidates = [f"{word} {n} staple battery" for n in range(100) for word in ("tiger", "lamp")]
    blocklist.reason("warm up")
    started = time.perf_counter()
    for candidate in candidates:
        blocklist.reason(candidate)
    assert (time.perf_counter() - started) / len(candidates) < 0.005


def test_the_shipped_lists_are_present_small_and_clean() -> None:
    files = sorted(DATA.glob("*.txt.gz"))
    assert [f.name for f in files] == ["breached.txt.gz", "common.txt.gz", "words.txt.gz"]
    assert sum(f.stat().st_size for f in files) < 1_000_000
    breached = read_list("breached.txt.gz")
    assert len(breached) > 50_000
    assert all(len(p) >= 15 and p == p.lower() for p in breached)
    assert len(read_list("common.txt.gz")) >= 3000
