"""Shipped password lists (SECURITY PW-05): common passwords, words, breached passwords.

The lists are gzip text files in ``data/`` (sources, licences and the build script are in
``data/README.md``), read once, on first use, into sets.
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass
from importlib import resources

from adapters.security.composition import MIN_WORD, built_from_common, fold
from application.ports.security import PasswordBlocklist
from domain.passwords import normalise

COMMON_FILE = "common.txt.gz"
WORDS_FILE = "words.txt.gz"
BREACHED_FILE = "breached.txt.gz"
TOP_COMMON = 1000


@dataclass(frozen=True, slots=True)
class PasswordLists:
    common: frozenset[str]
    breached: frozenset[str]
    vocabulary: frozenset[str]
    top: frozenset[str]
    longest: int

    @classmethod
    def build(
        cls, ranked_common: list[str], words: list[str], breached: list[str]
    ) -> PasswordLists:
        """``ranked_common`` is most common first: its first alphabetic entries are the
        ones common enough that two of them together still make a common password."""
        pieces = [fold(w) for w in (*ranked_common, *words) if len(w) >= MIN_WORD]
        top = [fold(w) for w in ranked_common if w.isalpha() and len(w) >= MIN_WORD]
        return cls(
            common=frozenset(ranked_common),
            breached=frozenset(breached),
            vocabulary=frozenset(pieces),
            top=frozenset(top[:TOP_COMMON]),
            longest=max(map(len, pieces), default=0),
        )

    def reason(self, password: str) -> str | None:
        text = normalise(password).lower()
        if text in self.common or built_from_common(text, self.vocabulary, self.top, self.longest):
            return "common"
        if text in self.breached:
            return "breached"
        return None


class ShippedPasswordBlocklist(PasswordBlocklist):
    """Lower-cased, NFC lookups. "common": on the common list or built only from common
    pieces; "breached": a real password of 15+ characters from a published breach corpus."""

    def __init__(self) -> None:
        self._lists: PasswordLists | None = None
        self._lock = threading.Lock()

    def reason(self, password: str) -> str | None:
        return self.lists().reason(password)

    def lists(self) -> PasswordLists:
        if self._lists is None:
            with self._lock:
                if self._lists is None:
                    self._lists = PasswordLists.build(
                        read_list(COMMON_FILE), read_list(WORDS_FILE), read_list(BREACHED_FILE)
                    )
        return self._lists


def read_list(name: str) -> list[str]:
    data = (resources.files("adapters.security") / "data" / name).read_bytes()
    return [line for line in gzip.decompress(data).decode("utf-8").splitlines() if line]
