"""Reading blobs of the local store's first layout: a ``<content type>\\n`` line, then the
bytes.

The export ZIPs of that layout were written through the same handle after the line, so
every offset inside them (each member's local header, the central directory, the ZIP64
end records) counts the line too. Stripped of it, a strict reader (Info-ZIP's ``unzip``)
finds them all that many bytes off and refuses the archive. Such a ZIP is served with its
offsets moved back: the same length, members and bytes; only numbers in its index change.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ZIP = "application/zip"
_END = struct.Struct("<4s4H2LH")  # signature, disks, entries, directory size and offset
_ZIP64_LOCATOR = struct.Struct("<4sLQL")  # signature, disk, offset of the ZIP64 end, disks
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")  # ..., entries, directory size and offset
_ENTRY = struct.Struct("<4s6H3L5H2L")  # a central directory entry without its names
_UNSET32 = 0xFFFFFFFF
_ZIP64_EXTRA = 0x0001
_LONGEST_COMMENT = 0xFFFF


def header_of(content_type: str) -> bytes:
    """The line the first layout put in front of a blob."""
    return content_type.encode("ascii") + b"\n"


def open_legacy(handle: BinaryIO, size: int, header: int, content_type: str) -> BinaryIO:
    """The blob alone from ``handle``, a file of ``size`` bytes whose first ``header`` are
    the old line; a ZIP with its offsets realigned when they count the line."""
    tail = None
    if content_type == ZIP:
        try:
            tail = _realigned_tail(handle, size, header)
        except struct.error:  # not an archive after all: serve it as it is
            tail = None
    handle.seek(header)
    if tail is None:
        return handle
    start, data = tail
    return io.BufferedReader(_Spliced(handle, start - header, data))


@dataclass(frozen=True, slots=True)
class _Index:
    start: int
    """Where the central directory starts, as the archive records it."""
    entries: int
    end: int
    """Where the end of central directory record starts."""
    zip64_end: int | None
    """Where the ZIP64 end record starts, when the archive has one."""


def _realigned_tail(handle: BinaryIO, size: int, shift: int) -> tuple[int, bytes] | None:
    """From the central directory to the end of the file, every offset less ``shift``;
    None unless the archive's offsets do count the line (then it is served as it is)."""
    index = _index(handle, size)
    if index is None or not shift <= index.start <= index.end:
        return None
    handle.seek(index.start)
    tail = bytearray(handle.read(size - index.start))
    if index.entries and tail[:4] != b"PK\x01\x02":
        return None
    _move_entries(tail, index.entries, shift)
    _move_ends(tail, index, shift)
    return index.start, bytes(tail)


def _index(handle: BinaryIO, size: int) -> _Index | None:
    look = min(size, _END.size + _LONGEST_COMMENT)
    handle.seek(size - look)
    window = handle.read(look)
    at = window.rfind(b"PK\x05\x06")
    if at < 0 or len(window) - at < _END.size:
        return None
    end = size - look + at
    *_, entries, _size, start, _comment = _END.unpack_from(window, at)
    if end < _ZIP64_LOCATOR.size:
        return _Index(start, entries, end, None)
    handle.seek(end - _ZIP64_LOCATOR.size)
    signature, _disk, zip64_end, _disks = _ZIP64_LOCATOR.unpack(handle.read(_ZIP64_LOCATOR.size))
    if signature != b"PK\x06\x07":
        return _Index(start, entries, end, None)
    handle.seek(zip64_end)
    record = _ZIP64_END.unpack(handle.read(_ZIP64_END.size))
    if record[0] != b"PK\x06\x06":
        return None
    return _Index(record[-1], record[-3], end, zip64_end)


def _move_entries(tail: bytearray, entries: int, shift: int) -> None:
    at = 0
    for _ in range(entries):
        fields = _ENTRY.unpack_from(tail, at)
        compressed, plain, name, extra, comment, offset = (*fields[8:13], fields[-1])
        if offset != _UNSET32:
            struct.pack_into("<L", tail, at + _ENTRY.size - 4, offset - shift)
        else:
            wide = (compressed == _UNSET32) + (plain == _UNSET32)
            _move_zip64_offset(tail, at + _ENTRY.size + name, extra, wide, shift)
        at += _ENTRY.size + name + extra + comment


def _move_zip64_offset(tail: bytearray, at: int, length: int, before: int, shift: int) -> None:
    """In the ZIP64 extra field of an entry, the offset follows the sizes that overflowed."""
    stop = at + length
    while at + 4 <= stop:
        kind, size = struct.unpack_from("<2H", tail, at)
        if kind == _ZIP64_EXTRA:
            place = at + 4 + 8 * before
            struct.pack_into("<Q", tail, place, struct.unpack_from("<Q", tail, place)[0] - shift)
            return
        at += 4 + size


def _move_ends(tail: bytearray, index: _Index, shift: int) -> None:
    """The end record's offset (unless it defers to the ZIP64 one), and the ZIP64 end
    record's and its locator's."""
    end = index.end - index.start + 16
    if struct.unpack_from("<L", tail, end)[0] != _UNSET32:
        struct.pack_into("<L", tail, end, index.start - shift)
    if index.zip64_end is not None:
        record = index.zip64_end - index.start
        struct.pack_into("<Q", tail, record + 48, index.start - shift)
        locator = index.end - index.start - _ZIP64_LOCATOR.size
        struct.pack_into("<Q", tail, locator + 8, index.zip64_end - shift)


class _Spliced(io.RawIOBase):
    """``length`` bytes of ``handle`` from where it stands, then ``tail``; closing closes
    the handle."""

    def __init__(self, handle: BinaryIO, length: int, tail: bytes) -> None:
        self._handle = handle
        self._left = length
        self._tail = memoryview(tail)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        chunk: bytes | memoryview
        if self._left > 0:
            chunk = self._handle.read(min(len(view), self._left))
            self._left = self._left - len(chunk) if chunk else 0
        else:
            chunk, self._tail = self._tail[: len(view)], self._tail[len(view) :]
        view[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._handle.close()
        super().close()
