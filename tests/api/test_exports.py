"""``/me/exports``: request, build, download, expire; only the owner; secrets never in it."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from application.exports import contents
from application.exports.fail_export import reason_for
from application.ports.messaging import NoticeKind
from domain.exports import ExportStatus, file_key
from domain.ids import ExportId
from tests.api.conftest import PASSWORD, Bastion, BastionFactory
from tests.support.exports import ARCHIVE_MEMBERS
from tests.support.zips import strict_zip

WEEK = 7 * 86_400


def _token(bastion: Bastion, email: str = "ada@example.com") -> str:
    token: str = bastion.signed_in(email)["access_token"]
    return token


def _request(bastion: Bastion, token: str) -> Any:
    return bastion.call("POST", "/me/exports", token=token)


def _status(bastion: Bastion, token: str, export_id: str) -> Any:
    return bastion.call("GET", f"/me/exports/{export_id}", token=token).json["status"]


def _download(bastion: Bastion, token: str, export_id: str) -> Any:
    return bastion.call("GET", f"/me/exports/{export_id}/download", token=token)


def _unzip(data: bytes) -> dict[str, Any]:
    with strict_zip(data) as archive:
        assert archive.testzip() is None
        return {
            name: archive.read(name).decode()
            if name.endswith(".txt")
            else json.loads(archive.read(name))
            for name in archive.namelist()
        }


def _complete_export(bastion: Bastion, token: str) -> str:
    export_id: str = _request(bastion, token).json["id"]
    assert bastion.exports.run_all() == 1
    return export_id


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_an_export_goes_from_pending_to_a_downloadable_zip_with_every_file(
    make_bastion: BastionFactory, store: str
) -> None:
    bastion = make_bastion(store)
    token = _token(bastion)
    secret, backup_codes = bastion.enable_totp(token)
    task = bastion.call("POST", "/tasks", token=token, json={"title": "Water the plants"}).json
    gone = bastion.call("POST", "/tasks", token=token, json={"title": "Old idea"}).json
    assert bastion.call("DELETE", f"/tasks/{gone['id']}", token=token).status_code == 204

    requested = _request(bastion, token)
    assert requested.status_code == 202, requested.json
    export_id = requested.json["id"]
    assert requested.json["status"] == "pending"
    assert requested.json["expires_at"] is None
    assert bastion.exports.queued == [UUID(export_id)]
    not_ready = _download(bastion, token, export_id)
    assert not_ready.status_code == 409
    assert not_ready.json["code"] == "export_not_ready"

    assert bastion.exports.run_all() == 1
    view = bastion.call("GET", f"/me/exports/{export_id}", token=token).json
    assert view["status"] == "complete"
    assert view["size_bytes"] > 0
    assert view["expires_at"] is not None

    response = _download(bastion, token, export_id)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(response.data) == view["size_bytes"]
    files = _unzip(response.data)
    assert set(files) == ARCHIVE_MEMBERS

    assert files["profile.json"]["email"] == "ada@example.com"
    assert [s["id"] for s in files["sessions.json"]] != []
    assert all("ip" not in key for s in files["sessions.json"] for key in s)
    types = [e["type"] for e in files["events.json"]]
    assert {"user.registered", "login.succeeded", "mfa.totp_enabled", "export.requested"} <= set(
        types
    )
    assert [f["method"] for f in files["factors.json"]] == ["authenticator_app", "backup_codes"]
    assert files["factors.json"][1]["codes_left"] == 10
    assert files["passkeys.json"] == []
    assert files["providers.json"] == []
    assert [t["id"] for t in files["tasks.json"]] == [task["id"]]
    assert [d["task"]["title"] for d in files["deleted_tasks.json"]] == ["Old idea"]
    for name in ARCHIVE_MEMBERS - {"README.txt"}:
        assert name in files["README.txt"]

    # No secret of any kind is in the archive, compressed or not.
    raw = response.data + json.dumps(files).encode()
    for canary in [PASSWORD, secret, *backup_codes, token, "$2b$", "127.0.0.1"]:
        assert canary.encode() not in raw, canary

    user_id = bastion.call("GET", "/me", token=token).json["id"]
    assert bastion.events(user_id).count("export.completed") == 1
    assert bastion.events(user_id).count("export.downloaded") == 1
    assert len(bastion.mail.to("ada@example.com", NoticeKind.EXPORT_READY)) == 1


def test_one_export_at_a_time_and_a_daily_budget(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(rate_limit_scale=1.0)
    token = _token(bastion)
    first = _request(bastion, token)
    second = _request(bastion, token)
    assert (first.status_code, second.status_code) == (202, 409)
    assert second.json["code"] == "export_in_progress"
    bastion.exports.run_all()

    for _ in range(4):
        assert _request(bastion, token).status_code == 202
        bastion.exports.run_all()
    refused = _request(bastion, token)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"].isdigit()
    listed = bastion.call("GET", "/me/exports", token=token).json
    assert len(listed["items"]) == 5
    assert {e["status"] for e in listed["items"]} == {"complete"}


@pytest.mark.parametrize("store", ["memory", "sql"])
def test_parallel_requests_make_one_export_and_one_job(
    make_bastion: BastionFactory, store: str
) -> None:
    bastion = make_bastion(store)
    token = _token(bastion)
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def request() -> None:
        client = bastion.app.test_client()
        barrier.wait()
        response = client.post("/api/v1/me/exports", headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=request) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [202] + [409] * 9
    assert len(bastion.exports.queued) == 1


def test_only_the_owner_sees_or_downloads_an_export(bastion: Bastion) -> None:
    owner = _token(bastion)
    export_id = _complete_export(bastion, owner)
    other = _token(bastion, "eve@example.com")
    for path in (f"/me/exports/{export_id}", f"/me/exports/{export_id}/download"):
        response = bastion.call("GET", path, token=other)
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
    assert bastion.call("GET", "/me/exports", token=other).json["items"] == []
    assert bastion.call("GET", f"/me/exports/{export_id}/download").status_code == 401


def test_after_its_expiry_an_export_is_gone_and_the_purge_deletes_its_file(
    bastion: Bastion,
) -> None:
    token = _token(bastion)
    export_id = _complete_export(bastion, token)
    files = bastion.container.files()
    assert len(files.keys) == 1

    bastion.clock.advance(seconds=WEEK - 1)
    token = bastion.log_in("ada@example.com").json["access_token"]
    assert _download(bastion, token, export_id).status_code == 200
    bastion.clock.advance(seconds=1)
    gone = _download(bastion, token, export_id)
    assert gone.status_code == 410
    assert gone.json["code"] == "export_expired"

    assert bastion.container.purge_expired_exports()() == 1
    assert files.keys == []
    assert _status(bastion, token, export_id) == "expired"
    assert _download(bastion, token, export_id).status_code == 410
    assert bastion.container.purge_expired_exports()() == 0
    user_id = bastion.call("GET", "/me", token=token).json["id"]
    assert bastion.events(user_id).count("export.expired") == 1


def test_a_job_run_twice_completes_once_with_one_file_and_one_mail(bastion: Bastion) -> None:
    token = _token(bastion)
    export_id = _request(bastion, token).json["id"]
    bastion.exports.queued.append(ExportId(UUID(export_id)))
    assert bastion.exports.run_all() == 2
    assert len(bastion.container.files().keys) == 1
    assert len(bastion.mail.to("ada@example.com", NoticeKind.EXPORT_READY)) == 1
    user_id = bastion.call("GET", "/me", token=token).json["id"]
    assert bastion.events(user_id).count("export.completed") == 1


def test_a_retry_after_a_killed_attempt_removes_the_unfinished_file(
    make_bastion: BastionFactory, tmp_path: Path
) -> None:
    bastion = make_bastion("sql", storage_url=f"file://{tmp_path / 'store'}")
    token = _token(bastion)
    export_id = ExportId(UUID(_request(bastion, token).json["id"]))
    with bastion.container.uow() as uow:  # attempt 1 claims, then its process dies
        claimed = uow.exports.claim(export_id, bastion.clock.now())
        uow.commit()
    assert claimed is not None
    partial = tmp_path / "store" / "exports" / f"{export_id.hex}-1.zip.0123456789abcdef.partial"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"application/zip\nPK half a zip")
    not_ready = _download(bastion, token, str(export_id))
    assert not_ready.status_code == 409

    assert bastion.exports.run_all() == 1
    left = sorted(p.name for p in (tmp_path / "store" / "exports").iterdir())
    assert left == [f"{export_id.hex}-2.zip"]
    assert _unzip(_download(bastion, token, str(export_id)).data).keys() == ARCHIVE_MEMBERS


def test_a_superseded_attempt_neither_completes_nor_leaves_its_file(bastion: Bastion) -> None:
    token = _token(bastion)
    export_id = ExportId(UUID(_request(bastion, token).json["id"]))
    with bastion.container.uow() as uow:
        uow.exports.claim(export_id, bastion.clock.now())
        uow.exports.claim(export_id, bastion.clock.now())  # a second worker took it over
        uow.commit()
        now = bastion.clock.now()
        assert not uow.exports.complete(export_id, 1, file_key(export_id, 1), 10, now, now)
    assert _status(bastion, token, str(export_id)) == "processing"


def test_an_export_that_keeps_failing_ends_failed_with_a_reason(
    bastion: Bastion, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(bastion)
    export_id = ExportId(UUID(_request(bastion, token).json["id"]))
    files = bastion.container.files()

    def full_disk(*_: object) -> Any:
        raise OSError(28, "No space left on device")

    bastion.exports.queued.clear()
    with monkeypatch.context() as patched:
        patched.setattr(files, "create", full_disk)
        with pytest.raises(OSError, match="No space"):
            bastion.container.build_export()(export_id)
    assert _status(bastion, token, str(export_id)) == "processing"

    assert bastion.container.fail_export()(export_id, reason_for(OSError(28, "full")))
    view = bastion.call("GET", f"/me/exports/{export_id}", token=token).json
    assert (view["status"], view["failure_reason"]) == ("failed", "storage_full")
    assert not bastion.container.fail_export()(export_id, reason_for(OSError(28, "full")))
    user_id = bastion.call("GET", "/me", token=token).json["id"]
    assert bastion.events(user_id).count("export.failed") == 1
    assert files.keys == []
    assert bastion.exports.run_all() == 0
    assert _request(bastion, token).status_code == 202  # a failed one is not in progress


def test_a_request_made_while_the_queue_is_down_is_queued_later_by_the_reconciler(
    bastion: Bastion,
) -> None:
    token = _token(bastion)
    bastion.exports.down = True
    requested = _request(bastion, token)
    assert requested.status_code == 202
    assert requested.json["status"] == "pending"

    reconcile = bastion.container.reconcile_exports()
    assert reconcile() == 0  # still down: nothing changes, nothing raises
    bastion.exports.down = False
    assert reconcile() == 0  # too fresh to be called lost
    bastion.clock.advance(seconds=180)
    assert reconcile() == 1
    assert reconcile() == 0  # queued now: not again
    assert bastion.exports.run_all() == 1
    assert _status(bastion, token, requested.json["id"]) == "complete"


def test_the_reconciler_gives_up_an_export_whose_workers_keep_dying(bastion: Bastion) -> None:
    token = _token(bastion)
    export_id = ExportId(UUID(_request(bastion, token).json["id"]))
    bastion.exports.queued.clear()
    for _ in range(5):  # five workers claimed it and died
        with bastion.container.uow() as uow:
            uow.exports.claim(export_id, bastion.clock.now())
            uow.commit()
    bastion.clock.advance(seconds=1800)
    assert bastion.container.reconcile_exports()() == 0  # a job may still be writing it
    bastion.clock.advance(seconds=600)
    assert bastion.container.reconcile_exports()() == 1
    token = bastion.log_in("ada@example.com").json["access_token"]
    view = bastion.call("GET", f"/me/exports/{export_id}", token=token).json
    assert (view["status"], view["failure_reason"]) == ("failed", "worker_lost")
    assert bastion.exports.queued == []


def test_a_sixth_claim_gives_the_export_up(bastion: Bastion) -> None:
    token = _token(bastion)
    export_id = ExportId(UUID(_request(bastion, token).json["id"]))
    for _ in range(5):
        with bastion.container.uow() as uow:
            uow.exports.claim(export_id, bastion.clock.now())
            uow.commit()
    assert bastion.exports.run_all() == 1
    view = bastion.call("GET", f"/me/exports/{export_id}", token=token).json
    assert (view["status"], view["failure_reason"]) == ("failed", "too_many_attempts")


def test_deleting_the_account_deletes_its_exports_and_their_files(bastion: Bastion) -> None:
    token = _token(bastion)
    _complete_export(bastion, token)
    assert len(bastion.container.files().keys) == 1
    deleted = bastion.call("DELETE", "/me", token=token, json={"password": PASSWORD})
    assert deleted.status_code == 204
    assert bastion.container.files().keys == []
    with bastion.container.uow() as uow:
        assert uow.exports.due_to_expire(bastion.clock.now() + timedelta(days=365), 10) == []


def test_an_export_for_a_user_deleted_meanwhile_completes_nothing(bastion: Bastion) -> None:
    token = _token(bastion)
    export_id = ExportId(UUID(_request(bastion, token).json["id"]))
    assert (
        bastion.call("DELETE", "/me", token=token, json={"password": PASSWORD}).status_code == 204
    )
    assert bastion.container.build_export()(export_id) is False
    assert bastion.container.files().keys == []


def test_events_are_read_in_batches_and_all_exported_in_order(
    make_bastion: BastionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    bastion = make_bastion("sql")
    token = _token(bastion)
    for number in range(23):
        bastion.call("POST", "/tasks", token=token, json={"title": f"task {number}"})
        bastion.clock.advance(seconds=1)
    monkeypatch.setattr(contents, "BATCH", 5)
    export_id = _complete_export(bastion, token)
    files = _unzip(_download(bastion, token, export_id).data)
    assert [t["title"] for t in files["tasks.json"]] == [f"task {n}" for n in reversed(range(23))]
    times = [e["occurred_at"] for e in files["events.json"]]
    assert times == sorted(times, reverse=True)


def test_the_export_status_values_are_the_documented_ones() -> None:
    assert [s.value for s in ExportStatus] == [
        "pending",
        "processing",
        "complete",
        "failed",
        "expired",
    ]


def test_the_openapi_spec_documents_the_export_routes(bastion: Bastion) -> None:
    paths = bastion.client.get("/openapi.json").json["paths"]
    exports = paths["/api/v1/me/exports"]
    assert {"202", "409", "429"} <= set(exports["post"]["responses"])
    assert "200" in exports["get"]["responses"]
    assert "404" in paths["/api/v1/me/exports/{export_id}"]["get"]["responses"]
    download = paths["/api/v1/me/exports/{export_id}/download"]["get"]["responses"]
    assert {"200", "404", "409", "410"} <= set(download)
    assert "application/zip" in download["200"]["content"]
