"""Blobs as files under one directory (``BASTION_STORAGE_URL=file://...``)."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from adapters.storage.legacy import header_of, open_legacy
from application.ports.files import (
    KEY_PATTERN,
    BlobStream,
    FileStore,
    StoredFile,
    check_content_type,
    content_type_of,
)

PARTIAL_SUFFIX = ".partial"


class LocalFileStore(FileStore):
    """``<root>/<key>`` holds the blob's bytes and nothing else: the content type is the
    key's, so one atomic rename publishes a blob whole. A blob is written as
    ``<key>.<random>.partial``, fsynced, renamed, and the directory fsynced: a crash leaves
    at most that partial copy, which no read ever returns and the next ``delete`` of the
    key removes; two writers of one key never share a partial file. Keys must match the
    port's pattern and resolve inside the root; nothing a client sent ever becomes a path.
    Directories are 0700.

    Files of the first layout open with a ``<content type>`` line; reads strip it (and
    realign an export ZIP's offsets, see ``legacy``). No new blob may open with that line,
    so the two layouts never read as each other."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with self.create(key, content_type) as handle:
            handle.write(data)

    @contextmanager
    def create(self, key: str, content_type: str) -> Iterator[BinaryIO]:
        check_content_type(key, content_type)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(f"{path.name}.{os.urandom(8).hex()}{PARTIAL_SUFFIX}")
        try:
            with partial.open("xb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            _refuse_the_old_layout(partial, content_type)
            partial.replace(path)
            _fsync_directory(path.parent)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def open_stream(self, key: str) -> BlobStream | None:
        content_type = content_type_of(key)
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            return None
        try:
            size = os.fstat(handle.fileno()).st_size
            header = header_of(content_type)
            if handle.read(len(header)) != header:
                handle.seek(0)
                return BlobStream(stream=handle, size=size, content_type=content_type)
            stream = open_legacy(handle, size, len(header), content_type)
        except BaseException:
            handle.close()
            raise
        return BlobStream(stream=stream, size=size - len(header), content_type=content_type)

    def open(self, key: str) -> StoredFile | None:
        blob = self.open_stream(key)
        if blob is None:
            return None
        with blob.stream:
            return StoredFile(data=blob.stream.read(), content_type=blob.content_type)

    def delete(self, key: str) -> bool:
        path = self._path(key)
        for partial in path.parent.glob(f"{glob.escape(path.name)}.*{PARTIAL_SUFFIX}"):
            partial.unlink(missing_ok=True)
        try:
            path.unlink()
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


def _refuse_the_old_layout(path: Path, content_type: str) -> None:
    """A blob opening with its own content type line would read as the first layout."""
    header = header_of(content_type)
    with path.open("rb") as handle:
        if handle.read(len(header)) == header:
            raise ValueError("a blob may not open with its content type line")


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable: a finished export survives a power cut."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
