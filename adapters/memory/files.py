"""The in-memory twin of the file store."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from application.ports.files import (
    KEY_PATTERN,
    BlobStream,
    FileStore,
    StoredFile,
    check_content_type,
)


class MemoryFileStore(FileStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}

    @property
    def keys(self) -> list[str]:
        with self._lock:
            return sorted(self._files)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        check_content_type(key, content_type)
        with self._lock:
            self._files[key] = StoredFile(data=bytes(data), content_type=content_type)

    @contextmanager
    def create(self, key: str, content_type: str) -> Iterator[BinaryIO]:
        check_content_type(key, content_type)
        buffer = io.BytesIO()
        yield buffer
        self.put(key, buffer.getvalue(), content_type)

    def open_stream(self, key: str) -> BlobStream | None:
        found = self.open(key)
        if found is None:
            return None
        return BlobStream(io.BytesIO(found.data), len(found.data), found.content_type)

    def open(self, key: str) -> StoredFile | None:
        _check(key)
        with self._lock:
            return self._files.get(key)

    def delete(self, key: str) -> bool:
        _check(key)
        with self._lock:
            return self._files.pop(key, None) is not None


def _check(key: str) -> None:
    if not KEY_PATTERN.match(key):
        raise ValueError("not a file-store key")
