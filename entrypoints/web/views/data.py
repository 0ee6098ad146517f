"""Your data: request an export of everything held about the account, follow it from
pending to complete, download it; and delete the account, with proof and a clear
warning of what goes with it."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from flask import Response, url_for
from flask.typing import ResponseReturnValue

from application.account.delete_account import DeleteAccountCommand
from application.common.throttle import Rule
from domain.ids import ExportId
from entrypoints.http.api import container, current_request
from entrypoints.http.schemas.mfa import ProofRequest
from entrypoints.web import session
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, render, signed_in, who

CHUNK = 64 * 1024
REFRESH_SECONDS = 3
"""How often the page reloads itself while an export is being prepared."""
_IN_PROGRESS = frozenset({"pending", "processing"})


@console.route("/exports", methods=["GET"])
@signed_in
def your_data() -> ResponseReturnValue:
    return data_page()


def data_page(failed: Form | None = None) -> ResponseReturnValue:
    exports = container().list_exports()(who().user_id)
    busy = any(export.status in _IN_PROGRESS for export in exports)
    return render(
        "your_data.html",
        failed=failed,
        exports=exports,
        busy=busy,
        refresh=REFRESH_SECONDS if busy else None,
        refresh_url=url_for("console.your_data"),
    )


@console.route("/exports", methods=["POST"])
@signed_in
def request_export() -> ResponseReturnValue:
    form = Form("export")
    with form:
        person = who()
        container().request_export()(person.user_id, person.session_id)
        return done("console.your_data", "export_requested")
    return data_page(form)


@console.route("/exports/<uuid:export_id>/download", methods=["GET"])
@signed_in
def download_export(export_id: UUID) -> ResponseReturnValue:
    """The ZIP, streamed as the API streams it; a refusal is a page (the blueprint)."""
    person = who()
    download = container().download_export()(person.user_id, ExportId(export_id), person.session_id)
    stream = download.blob.stream

    def chunks() -> Iterator[bytes]:
        while chunk := stream.read(CHUNK):
            yield chunk

    day = download.export.created_at.strftime("%Y-%m-%d")
    response = Response(chunks(), mimetype="application/zip")
    response.call_on_close(stream.close)
    response.headers["Content-Length"] = str(download.blob.size)
    response.headers["Content-Disposition"] = f'attachment; filename="bastion-export-{day}.zip"'
    return response


@console.route("/delete", methods=["POST"])
@signed_in
def delete_account() -> ResponseReturnValue:
    form = Form("delete", ProofRequest)
    with form:
        charge(Rule.MFA)
        proof = form.load()
        if not current_request().form.get("understood"):
            form.refuse({"understood": ["Tick this box to confirm you understand."]})
        container().delete_account()(DeleteAccountCommand(user_id=who().user_id, **proof))
        session.end()
        return done("console.sign_in", "account_deleted")
    return data_page(form)
