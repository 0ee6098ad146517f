"""A strict look at a ZIP: Info-ZIP's ``unzip -t``. Python's ``zipfile``, bsdtar and 7-Zip
quietly fix an archive whose offsets are off; ``unzip`` refuses it, as users' tools do."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

MISSING = "unzip not found (apt-get install unzip; scripts/test installs it)"


def strict_zip(data: bytes) -> zipfile.ZipFile:
    """Fail the test unless ``unzip -t`` passes the archive without a warning; then the
    archive, opened. A missing ``unzip`` fails too: skipping would hide the very check."""
    binary = shutil.which("unzip")
    if binary is None:
        pytest.fail(MISSING)
    with tempfile.TemporaryDirectory(prefix="bastion-zip-") as folder:
        path = Path(folder) / "archive.zip"
        path.write_bytes(data)
        checked = subprocess.run(
            [binary, "-t", str(path)], capture_output=True, text=True, check=False
        )
    report = checked.stdout + checked.stderr
    assert checked.returncode == 0, f"unzip -t exited {checked.returncode}:\n{report}"
    assert "No errors detected" in report, report
    assert "warning" not in report.lower(), report
    return zipfile.ZipFile(io.BytesIO(data))
