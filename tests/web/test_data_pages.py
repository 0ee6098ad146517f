"""Your data and the trash: an export followed from pending to its download, the
account's deletion with proof, deleted tasks restored or deleted for good; and every link
the mails send lands on a page of the console."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from adapters.notify.templates import _TEMPLATES
from tests.support.exports import ARCHIVE_MEMBERS
from tests.web.conftest import PASSWORD, BastionFactory, Browser, text

ADA = "ada@example.com"


def test_an_export_is_followed_to_its_download(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    browser.get("/account/exports")

    requested = browser.post("/account/exports")
    waiting = browser.get(requested.headers["Location"])
    assert "Waiting to start" in text(waiting)
    assert '<meta http-equiv="refresh" content="3; url=/account/exports">' in waiting.get_data(
        as_text=True
    )
    assert "Request an export" not in text(waiting)
    assert browser.bastion.exports.run_all() == 1
    ready = browser.get("/account/exports")
    assert "Ready" in text(ready)
    assert "Available until" in text(ready)
    assert 'http-equiv="refresh"' not in ready.get_data(as_text=True)
    link = re.search(
        r'href="(/account/exports/[0-9a-f-]{36}/download)"', ready.get_data(as_text=True)
    )
    assert link

    download = browser.get(link.group(1))

    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert set(zipfile.ZipFile(io.BytesIO(download.data)).namelist()) == ARCHIVE_MEMBERS


def test_a_download_that_is_not_ready_is_a_page(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    browser.get("/account/exports")
    browser.post("/account/exports")
    export_id = browser.bastion.exports.queued[0]

    early = browser.get(f"/account/exports/{export_id}/download")
    unknown = browser.get("/account/exports/0193a5c2-6b10-7a2e-8d4c-1f2e3a4b5c6d/download")

    assert early.status_code == 409
    assert "This export isn't ready yet." in text(early)
    assert unknown.status_code == 404
    assert unknown.mimetype == "text/html"


def test_the_account_is_deleted_only_with_proof_and_the_box_ticked(browser: Browser) -> None:
    browser.signed_up_and_in(ADA)
    page = browser.get("/account/exports")
    assert "This cannot be undone" in text(page)
    assert "your tasks" in text(page)

    unticked = browser.post("/account/delete", {"password": PASSWORD})
    wrong = browser.post("/account/delete", {"password": "not my password", "understood": "yes"})
    deleted = browser.post("/account/delete", {"password": PASSWORD, "understood": "yes"})

    assert unticked.status_code == 422
    assert "Tick this box" in text(unticked)
    assert wrong.status_code == 401
    assert deleted.headers["Location"] == "/account/sign-in?done=account_deleted"
    assert "Your account and everything in it are deleted" in text(
        browser.get(deleted.headers["Location"])
    )
    assert browser.cookie("bastion_access") is None
    assert browser.sign_in(ADA).status_code == 401


def test_deleted_tasks_show_their_deadline_and_are_restored_or_deleted(
    make_bastion: BastionFactory,
) -> None:
    browser = Browser(make_bastion(task_retention=2 * 86_400))
    browser.signed_up_and_in(ADA)
    api = browser.bastion.log_in(ADA).json["access_token"]
    ids = []
    for title in ("Buy milk", "Write the report"):
        task = browser.bastion.call("POST", "/tasks", token=api, json={"title": title}).json
        browser.bastion.call("DELETE", f"/tasks/{task['id']}", token=api)
        ids.append(task["id"])

    page = text(browser.get("/account/tasks/trash"))
    assert "Buy milk" in page
    assert "Write the report" in page
    assert "Restorable until 3 Mar 2026 (2 days left)" in page
    restored = browser.post(f"/account/tasks/trash/{ids[0]}/restore")
    assert "The task is back in your list." in text(browser.get(restored.headers["Location"]))
    assert browser.bastion.call("GET", f"/tasks/{ids[0]}", token=api).status_code == 200
    gone = browser.post(f"/account/tasks/trash/{ids[1]}/delete")
    after = text(browser.get(gone.headers["Location"]))
    assert "The task is deleted for good." in after
    assert "Write the report" not in after

    browser.bastion.call("DELETE", f"/tasks/{ids[0]}", token=api)
    browser.bastion.clock.advance(days=3)
    late = browser.post(f"/account/tasks/trash/{ids[0]}/restore")
    assert late.status_code == 410
    assert "It is too late to restore this task" in text(late)


@pytest.mark.parametrize(
    "path",
    sorted(
        {
            link.split("#")[0]
            for _, body in _TEMPLATES.values()
            for link in re.findall(r"\$public_url(/[\w/-]*)", body)
        }
    ),
)
def test_every_link_a_mail_sends_is_a_page_of_the_console(browser: Browser, path: str) -> None:
    browser.signed_up_and_in(ADA)

    page = browser.get(path, follow_redirects=True)

    assert path.startswith("/account/")
    assert page.status_code == 200, (path, text(page)[:200])
