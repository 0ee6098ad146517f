"""The file store's contract, run against the in-memory twin and the local directory."""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest

from adapters.memory.files import MemoryFileStore
from adapters.storage.local import LocalFileStore
from application.exports.archive import ArchiveWriter
from application.ports.files import FileStore
from tests.support.zips import strict_zip

KEY = "avatars/AbCdEf0123456789_-xyz.png"


@pytest.fixture(params=["memory", "local"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FileStore:
    if request.param == "memory":
        return MemoryFileStore()
    return LocalFileStore(tmp_path / "files")


def test_a_stored_blob_reads_back_with_its_content_type(store: FileStore) -> None:
    store.put(KEY, b"\x89PNG...", "image/png")

    found = store.open(KEY)

    assert found is not None
    assert (found.data, found.content_type) == (b"\x89PNG...", "image/png")


def test_an_unknown_key_reads_as_none_and_deletes_as_false(store: FileStore) -> None:
    assert store.open(KEY) is None
    assert store.delete(KEY) is False


def test_put_replaces_and_delete_removes_once(store: FileStore) -> None:
    store.put(KEY, b"old", "image/png")
    store.put(KEY, b"new\nwith a line break", "image/png")

    found = store.open(KEY)
    assert found is not None
    assert (found.data, found.content_type) == (b"new\nwith a line break", "image/png")
    assert store.delete(KEY) is True
    assert store.delete(KEY) is False
    assert store.open(KEY) is None


def test_empty_blobs_are_blobs(store: FileStore) -> None:
    store.put(KEY, b"", "image/png")

    found = store.open(KEY)
    assert found is not None
    assert found.data == b""


@pytest.mark.parametrize(
    "key",
    [
        "../secrets.json",
        "avatars/../../secrets.json",
        "/etc/passwd",
        "avatars/short.png",
        "avatars/AbCdEf0123456789_-xyz",
        "avatars/AbCdEf0123456789_-xyz.gif",
        "avatars/AbCdEf0123456789/xyz.png",
        "avatars/AbCdEf0123456789..png",
        "Avatars/AbCdEf0123456789_-xyz.png",
        "avatars/AbCdEf0123456789_-xyz.png\n",
        "avatars\\AbCdEf0123456789_-xyz.png",
        "",
    ],
)
def test_keys_outside_the_pattern_are_refused_by_every_method(store: FileStore, key: str) -> None:
    methods: list[Callable[[], object]] = [
        lambda: store.put(key, b"x", "image/png"),
        lambda: store.open(key),
        lambda: store.delete(key),
    ]
    for method in methods:
        with pytest.raises(ValueError, match="key"):
            method()


def test_readers_see_the_old_or_the_new_blob_never_a_part(store: FileStore) -> None:
    old, new = b"a" * 200_000, b"b" * 300_000
    store.put(KEY, old, "image/png")
    torn: list[int] = []
    reads = 0
    stop = threading.Event()

    def read() -> None:
        nonlocal reads
        while not stop.is_set():
            found = store.open(KEY)
            reads += 1
            if found is None or found.data not in (old, new):
                torn.append(len(found.data) if found else -1)

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(20):
        store.put(KEY, new, "image/png")
        store.put(KEY, old, "image/png")
    stop.set()
    reader.join(timeout=10)
    assert reads > 0
    assert torn == []


def test_the_local_store_leaves_no_temporary_files_and_keeps_its_folders_private(
    tmp_path: Path,
) -> None:
    root = tmp_path / "files"
    store = LocalFileStore(root)

    store.put(KEY, b"data", "image/png")
    store.delete(KEY)

    assert [p.name for p in (root / "avatars").iterdir()] == []
    assert (root / "avatars").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("content_type", ["image/webp", "application/octet-stream", ""])
def test_a_content_type_other_than_the_keys_is_refused_and_stores_nothing(
    store: FileStore, content_type: str
) -> None:
    with pytest.raises(ValueError, match="content type"):
        store.put(KEY, b"data", content_type)
    with pytest.raises(ValueError, match="content type"), store.create(KEY, content_type):
        pass

    assert store.open(KEY) is None


def test_the_local_store_follows_no_symlink_out_of_its_root(tmp_path: Path) -> None:
    root, outside = tmp_path / "files", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "avatars").symlink_to(outside)
    store = LocalFileStore(root)

    with pytest.raises(ValueError, match="key"):
        store.put(KEY, b"data", "image/png")
    assert list(outside.iterdir()) == []


ZIP_KEY = "exports/0123456789abcdef0123456789abcdef-1.zip"


def test_a_streamed_blob_appears_whole_only_when_its_writer_finishes(store: FileStore) -> None:
    with store.create(ZIP_KEY, "application/zip") as stream:
        for _ in range(64):
            stream.write(b"x" * 1024)
        assert store.open(ZIP_KEY) is None

    blob = store.open_stream(ZIP_KEY)
    assert blob is not None
    with blob.stream:
        assert (blob.size, blob.content_type) == (64 * 1024, "application/zip")
        assert blob.stream.read() == b"x" * 64 * 1024


def test_a_writer_that_fails_leaves_nothing_behind(store: FileStore, tmp_path: Path) -> None:
    def write_half() -> None:
        with store.create(ZIP_KEY, "application/zip") as out:
            out.write(b"half")
            raise OSError(28, "disk full")

    with pytest.raises(OSError, match="disk full"):
        write_half()

    assert store.open_stream(ZIP_KEY) is None
    assert store.delete(ZIP_KEY) is False
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_delete_removes_an_unfinished_copy_a_crash_left(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    partial = tmp_path / "files" / (ZIP_KEY + ".0123456789abcdef.partial")
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"application/zip\nPK")

    assert store.open(ZIP_KEY) is None
    assert store.delete(ZIP_KEY) is False
    assert not partial.exists()


def _export_zip(stream: BinaryIO) -> None:
    """An archive written as the export job writes one, members streamed and deflated."""
    with ArchiveWriter(stream) as archive:
        archive.document("profile.json", {"email": "ada@example.com", "bio": "x" * 5_000})
        archive.records("events.json", [[{"n": n} for n in range(400)]])
        archive.text("README.txt", "profile.json events.json\n")


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_local_store_keeps_the_bytes_bare_so_a_strict_reader_opens_its_zips(
    tmp_path: Path,
) -> None:
    store = LocalFileStore(tmp_path)
    with store.create(ZIP_KEY, "application/zip") as stream:
        _export_zip(stream)

    on_disk = (tmp_path / ZIP_KEY).read_bytes()
    blob = store.open_stream(ZIP_KEY)
    assert blob is not None
    with blob.stream:
        served = blob.stream.read()
    assert on_disk.startswith(b"PK\x03\x04")
    assert served == on_disk
    assert blob.size == len(served)
    strict_zip(on_disk).close()


def _old_layout(root: Path, key: str, content_type: str, write: Callable[[BinaryIO], None]) -> Path:
    """A file as the store wrote them before: the content type line, then the blob through
    the same handle."""
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as handle:
        handle.write(content_type.encode() + b"\n")
        write(handle)
    return path


def test_a_picture_stored_the_old_way_reads_without_its_header_line(tmp_path: Path) -> None:
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    path = _old_layout(tmp_path, KEY, "image/png", lambda out: out.write(picture))
    store = LocalFileStore(tmp_path)

    found = store.open(KEY)
    blob = store.open_stream(KEY)

    assert found is not None
    assert (found.data, found.content_type) == (picture, "image/png")
    assert blob is not None
    with blob.stream:
        assert (blob.size, blob.stream.read()) == (len(picture), picture)
    assert path.stat().st_size == len(picture) + len(b"image/png\n")
    assert store.delete(KEY) is True


@pytest.mark.parametrize("zip64", [False, True], ids=["zip", "zip64-records"])
def test_an_export_stored_the_old_way_downloads_as_a_valid_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zip64: bool
) -> None:
    if zip64:  # every offset past this limit goes into the ZIP64 fields and end records
        monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 64)
    path = _old_layout(tmp_path, ZIP_KEY, "application/zip", _export_zip)
    monkeypatch.undo()
    original = path.read_bytes()[len(b"application/zip\n") :]
    store = LocalFileStore(tmp_path)

    blob = store.open_stream(ZIP_KEY)
    assert blob is not None
    with blob.stream:
        served = b"".join(iter(lambda: blob.stream.read(1000), b""))

    assert blob.size == len(served) == len(original)
    assert served.startswith(b"PK\x03\x04")
    with strict_zip(served) as archive:
        assert archive.testzip() is None
    assert _members(served) == _members(original)
    assert set(_members(served)) == {"profile.json", "events.json", "README.txt"}


def test_the_local_store_refuses_a_blob_that_would_read_as_the_old_layout(
    tmp_path: Path,
) -> None:
    store = LocalFileStore(tmp_path)

    with pytest.raises(ValueError, match="content type line"):
        store.put(KEY, b"image/png\nrest", "image/png")
    assert store.open(KEY) is None
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
