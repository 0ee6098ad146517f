"""Data exports: a request makes a pending export and queues it; the job builds one ZIP
and completes it once (application/exports/request_export.py, build_export.py)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import BinaryIO

import pytest

from application.account.delete_account import DeleteAccountCommand
from application.ports.files import BlobStream, FileStore, StoredFile
from application.ports.messaging import NoticeKind
from application.results import ExportView
from application.tasks.create_task import CreateTaskCommand
from domain.errors import ExportInProgressError, RateLimitedError
from domain.events import EventType
from domain.ids import ExportId
from tests.support.exports import ARCHIVE_MEMBERS
from tests.use_cases.conftest import Account, Bastion, BastionFactory


@pytest.fixture
def account(bastion: Bastion) -> Account:
    return bastion.a_user()


def _request(bastion: Bastion, account: Account) -> ExportView:
    return bastion.container.request_export()(account.id)


def _view(bastion: Bastion, account: Account, export_id: ExportId) -> ExportView:
    return bastion.container.get_export()(account.id, export_id)


def _download(bastion: Bastion, account: Account, export_id: ExportId) -> bytes:
    download = bastion.container.download_export()(account.id, export_id)
    with download.blob.stream as stream:
        return stream.read()


def _stored_files(bastion: Bastion) -> list[str]:
    keys: list[str] = bastion.container.files().keys
    return keys


def test_a_request_makes_a_pending_export_and_queues_it(bastion: Bastion, account: Account) -> None:
    export = _request(bastion, account)

    assert export.status == "pending"
    assert bastion.exports.queued == [export.id]
    [requested] = bastion.events(account.id, EventType.EXPORT_REQUESTED)
    assert requested.metadata == {"export_id": str(export.id)}


def test_a_second_request_while_one_is_active_is_refused(
    bastion: Bastion, account: Account
) -> None:
    first = _request(bastion, account)

    with pytest.raises(ExportInProgressError):
        _request(bastion, account)

    assert [e.id for e in bastion.container.list_exports()(account.id)] == [first.id]
    assert bastion.exports.queued == [first.id]


def test_once_the_export_is_complete_another_may_be_requested(
    bastion: Bastion, account: Account
) -> None:
    first = _request(bastion, account)
    bastion.exports.run_all()

    second = _request(bastion, account)

    assert second.id != first.id
    assert second.status == "pending"


def test_a_sixth_export_in_a_day_is_refused_and_leaves_no_row(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion(rate_limit_scale=1)  # five started per account a day
    account = bastion.a_user()
    for _ in range(5):
        _request(bastion, account)
        bastion.exports.run_all()

    with pytest.raises(RateLimitedError):
        _request(bastion, account)

    assert len(bastion.container.list_exports()(account.id)) == 5
    assert bastion.exports.queued == []


def test_the_build_completes_the_export_with_a_zip_of_the_users_data(
    bastion: Bastion, account: Account
) -> None:
    command = CreateTaskCommand(account.id, "Return the library books")
    bastion.container.create_task()(command)
    export = _request(bastion, account)

    assert bastion.exports.run_all() == 1

    done = _view(bastion, account, export.id)
    assert done.status == "complete"
    data = _download(bastion, account, export.id)
    assert done.size_bytes == len(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert set(archive.namelist()) == ARCHIVE_MEMBERS
    assert json.loads(archive.read("profile.json"))["email"] == account.email
    tasks = json.loads(archive.read("tasks.json"))
    assert [task["title"] for task in tasks] == ["Return the library books"]
    events = [event["type"] for event in json.loads(archive.read("events.json"))]
    assert "export.requested" in events
    assert bastion.mail.to(account.email, NoticeKind.EXPORT_READY)


def test_the_archive_holds_no_secret(bastion: Bastion, account: Account) -> None:
    authenticator = bastion.with_totp(account)
    user = bastion.user(account.id)
    assert user is not None
    assert user.password is not None
    export = _request(bastion, account)
    bastion.exports.run_all()

    archive = zipfile.ZipFile(io.BytesIO(_download(bastion, account, export.id)))
    text = "".join(archive.read(name).decode() for name in archive.namelist())

    secrets = [authenticator.secret, user.password.value, account.password]
    secrets += authenticator.backup_codes
    assert [secret for secret in secrets if secret in text] == []
    factors = json.loads(archive.read("factors.json"))
    assert [f["method"] for f in factors] == ["authenticator_app", "backup_codes"]


def test_a_second_build_of_a_complete_export_changes_nothing(
    bastion: Bastion, account: Account
) -> None:
    export = _request(bastion, account)
    bastion.exports.run_all()
    done, files = _view(bastion, account, export.id), _stored_files(bastion)

    assert bastion.container.build_export()(export.id) is False

    assert _view(bastion, account, export.id) == done
    assert _stored_files(bastion) == files
    assert len(bastion.events(account.id, EventType.EXPORT_COMPLETED)) == 1
    assert len(bastion.mail.to(account.email, NoticeKind.EXPORT_READY)) == 1


def test_an_export_of_an_account_deleted_before_the_build_builds_nothing(
    bastion: Bastion, account: Account
) -> None:
    export = _request(bastion, account)
    bastion.container.delete_account()(DeleteAccountCommand(account.id, account.password))

    assert bastion.container.build_export()(export.id) is False

    assert _stored_files(bastion) == []
    with bastion.container.uow() as uow:
        assert uow.exports.get(export.id) is None
    assert bastion.mail.to(account.email, NoticeKind.EXPORT_READY) == []


class _DeletingFirst(FileStore):
    """The container's file store, but the account goes just as the export file opens:
    a deletion landing between the job's claim and its first read."""

    def __init__(self, inner: FileStore, delete_account: Callable[[], object]) -> None:
        self._inner = inner
        self._delete_account = delete_account

    def create(self, key: str, content_type: str) -> AbstractContextManager[BinaryIO]:
        self._delete_account()
        return self._inner.create(key, content_type)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._inner.put(key, data, content_type)

    def open_stream(self, key: str) -> BlobStream | None:
        return self._inner.open_stream(key)

    def open(self, key: str) -> StoredFile | None:
        return self._inner.open(key)

    def delete(self, key: str) -> bool:
        return self._inner.delete(key)


def test_an_account_deleted_while_its_export_is_written_leaves_no_file(
    bastion: Bastion, account: Account
) -> None:
    files = bastion.container.files()
    command = DeleteAccountCommand(account.id, account.password)

    def delete_account() -> None:
        bastion.container.delete_account()(command)

    bastion.container.files.override(_DeletingFirst(files, delete_account))
    export = _request(bastion, account)

    assert bastion.container.build_export()(export.id) is False

    assert bastion.user(account.id) is None
    assert files.keys == []
