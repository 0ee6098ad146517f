"""The export ZIP: JSON documents written member by member, arrays row batch by row
batch, so memory holds one batch whatever the size of the user's history."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import IO, Any
from uuid import UUID

Record = Mapping[str, Any]


class ArchiveWriter:
    """Members are deflated as they are written (``force_zip64``: a member's size is not
    known in advance and may pass 2 GiB)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED)

    def document(self, name: str, value: object) -> None:
        with self._zip.open(name, "w", force_zip64=True) as member:
            member.write(_dumps(value, indent=2).encode())

    def records(self, name: str, batches: Iterable[Iterable[object]]) -> int:
        """A JSON array, one element per line; returns how many were written."""
        count = 0
        with self._zip.open(name, "w", force_zip64=True) as member:
            member.write(b"[")
            for batch in batches:
                lines = [
                    ("\n" if count + n == 0 else ",\n") + _dumps(item)
                    for n, item in enumerate(batch)
                ]
                count += len(lines)
                member.write("".join(lines).encode())
            member.write(b"\n]\n" if count else b"]\n")
        return count

    def text(self, name: str, body: str) -> None:
        self._zip.writestr(name, body.encode(), compress_type=zipfile.ZIP_DEFLATED)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def plain(value: object) -> object:
    """Views, ids, times and enums as JSON values (times in ISO 8601 with offset)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | frozenset | set):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not exportable")


_ENCODER = json.JSONEncoder(default=plain, ensure_ascii=False)
"""Made once: ``json.dumps`` with any option builds a new encoder per call."""


def _dumps(value: object, indent: int | None = None) -> str:
    if indent is None:
        return _ENCODER.encode(value)
    return json.dumps(value, default=plain, ensure_ascii=False, indent=indent)
