""" "Download my data" against real processes: request an export through gunicorn, let the
RQ worker build it, read the mail, download, unzip and check every file."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from tests.e2e.conftest import MailSink, Stack
from tests.e2e.test_identity_journey import PASSWORD, _signed_in
from tests.support.zips import strict_zip

EXPECTED = {
    "profile.json": dict,
    "sessions.json": list,
    "events.json": list,
    "factors.json": list,
    "passkeys.json": list,
    "providers.json": list,
    "tasks.json": list,
    "deleted_tasks.json": list,
}


def _wait_for_status(
    http: requests.Session, stack: Stack, path: str, status: str, timeout: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view: dict[str, Any] = http.get(stack.url(path), timeout=10).json()
        if view["status"] == status:
            return view
        time.sleep(0.2)
    raise AssertionError(f"{path} never became {status}:\n{stack.logs()[-3000:]}")


def test_request_an_export_let_the_worker_build_it_and_download_every_file(
    stack: Stack, mail_sink: MailSink
) -> None:
    address = "exporter@example.com"
    tokens = _signed_in(stack, mail_sink, address)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    kept = http.post(stack.url("/tasks"), json={"title": "Keep me"}, timeout=10).json()
    binned = http.post(stack.url("/tasks"), json={"title": "Bin me"}, timeout=10).json()
    assert http.delete(stack.url(f"/tasks/{binned['id']}"), timeout=10).status_code == 204

    requested = http.post(stack.url("/me/exports"), timeout=10)
    assert requested.status_code == 202, requested.text
    export_id = requested.json()["id"]
    again = http.post(stack.url("/me/exports"), timeout=10)
    assert again.status_code in (202, 409)  # 202 only if the worker finished already

    view = _wait_for_status(http, stack, f"/me/exports/{export_id}", "complete")
    link = mail_sink.wait_for(address, r"(https://bastion\.example/account/exports)")
    assert link == "https://bastion.example/account/exports"

    download = http.get(stack.url(f"/me/exports/{export_id}/download"), timeout=30)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    assert len(download.content) == view["size_bytes"]

    with strict_zip(download.content) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == {*EXPECTED, "README.txt"}
        files = {name: json.loads(archive.read(name)) for name in EXPECTED}
        readme = archive.read("README.txt").decode()
    for name, kind in EXPECTED.items():
        assert isinstance(files[name], kind), name
        assert name in readme
    assert files["profile.json"]["email"] == address
    assert len(files["sessions.json"]) == 1
    assert {"user.registered", "email.verified", "login.succeeded", "export.requested"} <= {
        event["type"] for event in files["events.json"]
    }
    assert files["factors.json"] == []
    assert [task["id"] for task in files["tasks.json"]] == [kept["id"]]
    assert [entry["task"]["id"] for entry in files["deleted_tasks.json"]] == [binned["id"]]
    assert PASSWORD.encode() not in download.content
    assert tokens["refresh_token"].encode() not in download.content

    other = _signed_in(stack, mail_sink, "snoop@example.com")
    snoop = requests.get(
        stack.url(f"/me/exports/{export_id}/download"),
        headers={"Authorization": f"Bearer {other['access_token']}"},
        timeout=10,
    )
    assert snoop.status_code == 404
