"""Blobs as files under one directory (``BASTION_STORAGE_URL=file://...``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from application.ports.files import KEY_PATTERN, FileStore, StoredFile

MAX_CONTENT_TYPE = 100


class LocalFileStore(FileStore):
    """``<root>/<key>`` holds the content type on its first line, then the bytes, so one
    atomic rename publishes both. Keys must match the port's pattern and resolve inside
    the root; nothing a client sent ever becomes a path. Directories are made 0700."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        header = content_type.encode("ascii")
        if b"\n" in header or len(header) > MAX_CONTENT_TYPE:
            raise ValueError("not a content type")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 -- renamed below, not closed by a with
            dir=path.parent, prefix=f".{path.name}.", delete=False
        )
        try:
            with handle:
                handle.write(header + b"\n" + data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(handle.name).replace(path)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> StoredFile | None:
        try:
            with self._path(key).open("rb") as handle:
                header = handle.readline(MAX_CONTENT_TYPE + 1)
                data = handle.read()
        except FileNotFoundError:
            return None
        return StoredFile(data=data, content_type=header.rstrip(b"\n").decode("ascii"))

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key):
            raise ValueError("not a file-store key")
        path = (self._root / key).resolve()
        if self._root not in path.parents:
            raise ValueError("not a file-store key")
        return path
