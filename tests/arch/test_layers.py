"""The domain imports only the standard library (import-linter checks the other rules)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"domain", "__future__"}
    for path in sorted((ROOT / "domain").rglob("*.py")):
        foreign = _imports(path) - allowed
        assert not foreign, f"{path.relative_to(ROOT)} imports {sorted(foreign)}"


def test_the_domain_neither_reads_the_clock_nor_makes_ids_or_randomness() -> None:
    forbidden = ("datetime.now", "utcnow", "uuid4", "random", "secrets", "time.time")
    for path in sorted((ROOT / "domain").rglob("*.py")):
        text = path.read_text()
        hits = [word for word in forbidden if word in text]
        assert not hits, f"{path.relative_to(ROOT)} uses {hits}"
