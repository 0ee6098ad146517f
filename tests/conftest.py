"""Markers by folder, real-service fixtures, and the shared builders."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures.postgres", "tests.fixtures.redis", "tests.fixtures.providers"]

_MARKERS_BY_FOLDER = {
    "integration": ("integration",),
    "contracts": (),
    "api": ("api",),
    "web": ("web",),
    "e2e": ("e2e", "slow"),
    "browser": ("e2e", "slow", "browser"),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent
    for item in items:
        folder = Path(str(item.fspath)).relative_to(tests_root).parts[0]
        for marker in _MARKERS_BY_FOLDER.get(folder, ()):
            item.add_marker(getattr(pytest.mark, marker))
