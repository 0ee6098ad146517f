"""Passwords made only of common pieces: one common word (or two very common ones) repeated
or glued to digits, symbols, keyboard walks and sequences. A 15-character minimum makes
plain list hits rare; these shapes ("passwordpassword", "qwertyuiop123456") are what users
type instead. A passphrase of several ordinary words is not caught: it has too many words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Set

MIN_WORD = 3
MIN_RUN = 3
MAX_UNIT = 8
MAX_CHECKED_LENGTH = 256
_FEW_SYMBOLS = 3
_PADDING = frozenset({"Sc", "Sk", "Sm", "Zs"})
_LATIN_1 = 0x100
_LEET = str.maketrans(
    {"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "|": "i", "l": "i", "0": "o", "5": "s"}
    | {"$": "s", "7": "t", "+": "t"}
)
_ROWS = ("`1234567890-=", " qwertyuiop[]\\", " asdfghjkl;'", " zxcvbnm,./")
_STEPS = ((0, -1), (0, 1), (-1, 0), (-1, 1), (1, -1), (1, 0))

Words = tuple[str, ...]
_Link = Callable[[str, int, int], bool]


def fold(text: str) -> str:
    """Undo common letter substitutions (``p@ssw0rd``); ``l`` and ``i`` share one class."""
    return text.translate(_LEET)


def built_from_common(text: str, vocabulary: Set[str], top: Set[str], longest: int) -> bool:
    """``text`` is lower-case; ``vocabulary`` and ``top`` hold folded words."""
    if _repetitive(text):
        return True
    if len(text) > MAX_CHECKED_LENGTH:
        return False
    return any(_covered(s, vocabulary, top, longest) for s in (text, text[::-1]))


def _repetitive(text: str) -> bool:
    if len(set(text)) <= _FEW_SYMBOLS:
        return True
    for size in range(1, min(MAX_UNIT, len(text) // 2) + 1):
        unit = text[:size]
        if (unit * (len(text) // size + 1))[: len(text)] == text:
            return True
    return False


def _covered(text: str, vocabulary: Set[str], top: Set[str], longest: int) -> bool:
    """Depth-first search over (position, words used so far). A state whose words include
    those of another state at the same position can do no more than it, so it is skipped."""
    folded = fold(text)
    fillers = [_filler_ends(text, i) for i in range(len(text))]
    reached: list[list[Words]] = [[] for _ in range(len(text) + 1)]
    stack: list[tuple[int, Words]] = [(0, ())]
    while stack:
        start, words = stack.pop()
        if start == len(text):
            return True
        moves = [(end, words) for end in fillers[start]]
        for end in range(start + MIN_WORD, min(len(text), start + longest) + 1):
            word = folded[start:end]
            if word in vocabulary and (used := _with(words, word, top)) is not None:
                moves.append((end, used))
        for end, used in moves:
            if not any(set(known) <= set(used) for known in reached[end]):
                reached[end].append(used)
                stack.append((end, used))
    return False


def _with(words: Words, word: str, top: Set[str]) -> Words | None:
    if word in words:
        return words
    if not words:
        return (word,)
    if len(words) == 1 and words[0] in top and word in top:
        return (*words, word)
    return None


def _filler_ends(text: str, start: int) -> set[int]:
    """Ends of the digit, symbol, keyboard-walk, sequence and repeat runs starting here."""
    ends: set[int] = set()
    for same_class in (str.isdigit, _keyboard_symbol):
        end = start
        while end < len(text) and same_class(text[end]):
            end += 1
        ends.update(range(start + 1, end + 1))
    for linked in (_adjacent_keys, _next_in_sequence, _repeated):
        end = _run_end(text, start, linked)
        if end - start >= MIN_RUN:
            ends.update(range(start + MIN_RUN, end + 1))
    return ends


def _keyboard_symbol(ch: str) -> bool:
    """What people pad a common word with: punctuation, currency, math and modifier signs
    and spaces in any script, and every other sign of Latin-1, which European keyboards
    type (``!``, ``£``, ``€``, ``§``, ``°``). Other symbols (emoji, pictographs) and the
    letters and marks of scripts the lists do not hold are content."""
    if ch.isalnum():
        return False
    category = unicodedata.category(ch)
    return ord(ch) < _LATIN_1 or category[0] == "P" or category in _PADDING


def _run_end(text: str, start: int, linked: _Link) -> int:
    end = start + 1
    while end < len(text) and linked(text, start, end):
        end += 1
    return end


def _adjacent_keys(text: str, start: int, end: int) -> bool:
    return text[end] in _NEIGHBOURS.get(text[end - 1], ())


def _next_in_sequence(text: str, start: int, end: int) -> bool:
    """abcd, 9876: each step the same +1 or -1 as the first."""
    step = ord(text[start + 1]) - ord(text[start]) if start + 1 < len(text) else 0
    return abs(step) == 1 and ord(text[end]) - ord(text[end - 1]) == step


def _repeated(text: str, start: int, end: int) -> bool:
    return text[end] == text[start]


def _keyboard_neighbours() -> dict[str, frozenset[str]]:
    """QWERTY keys and the six keys around each on a staggered board."""
    grid = {(r, c): ch for r, row in enumerate(_ROWS) for c, ch in enumerate(row) if ch != " "}
    return {
        ch: frozenset(grid[(r + dr, c + dc)] for dr, dc in _STEPS if (r + dr, c + dc) in grid)
        for (r, c), ch in grid.items()
    }


_NEIGHBOURS = _keyboard_neighbours()
