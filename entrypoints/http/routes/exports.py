"""``/api/v1/me/exports``: "download my data"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from flask import Response

from application.results import ExportView
from domain.ids import ExportId
from entrypoints.http.api import ApiBlueprint, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.schemas.exports import ExportListResponse, ExportResponse

CHUNK = 64 * 1024
_ZIP = {"schema": {"type": "string", "format": "binary"}}

blp = ApiBlueprint(
    "exports",
    __name__,
    url_prefix="/api/v1/me/exports",
    description="Exports of the signed-in user's data",
)


@blp.route("", methods=["POST"])
@authenticated
@blp.response(202, ExportResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 409)
def request_export() -> ExportView:
    """Ask for an export of all the own data.

    Answers at once with the export `pending`; a background worker then writes one ZIP
    (`profile.json`, `sessions.json`, `events.json`, `factors.json`, `passkeys.json`,
    `providers.json`, `tasks.json`, `deleted_tasks.json` and a `README.txt` describing
    each; never a password hash, secret, code, token or IP address), marks it
    `complete` and mails the user. Poll `GET /me/exports/{id}`. One export at a time: 409
    `export_in_progress` while one is `pending` or `processing`; at most 5 started per
    account a day (429 `rate_limited`). Records `export.requested`, then
    `export.completed` or, after the retries, `export.failed` with a reason code."""
    who = principal()
    return container().request_export()(who.user_id, who.session_id)


@blp.route("", methods=["GET"])
@authenticated
@blp.response(200, ExportListResponse)
@blp.doc(**security_doc())
@problems(blp, 401)
def list_exports() -> dict[str, Any]:
    """List the own exports, newest first."""
    return {"items": container().list_exports()(principal().user_id), "next_cursor": None}


@blp.route("/<uuid:export_id>", methods=["GET"])
@authenticated
@blp.response(200, ExportResponse)
@blp.doc(**security_doc())
@problems(blp, 401, 404)
def get_export(export_id: UUID) -> ExportView:
    """Read one export's status. Another user's export answers 404."""
    return container().get_export()(principal().user_id, ExportId(export_id))


@blp.route("/<uuid:export_id>/download", methods=["GET"])
@authenticated
@blp.doc(
    **security_doc(),
    responses={"200": {"description": "The ZIP archive", "content": {"application/zip": _ZIP}}},
)
@problems(blp, 401, 404, 409, 410)
def download_export(export_id: UUID) -> Response:
    """Download a complete export.

    Streamed as `application/zip` with `Content-Disposition: attachment` and
    `Cache-Control: no-store`. Only the owner (another user's id is 404), only while
    `complete`: before that 409 `export_not_ready`, after `expires_at` 410
    `export_expired`. Records `export.downloaded`."""
    who = principal()
    download = container().download_export()(who.user_id, ExportId(export_id), who.session_id)
    stream = download.blob.stream

    def chunks() -> Iterator[bytes]:
        while chunk := stream.read(CHUNK):
            yield chunk

    day = download.export.created_at.strftime("%Y-%m-%d")
    response = Response(chunks(), mimetype="application/zip")
    response.call_on_close(stream.close)  # also when the client leaves half-way, or on HEAD
    response.headers["Content-Length"] = str(download.blob.size)
    response.headers["Content-Disposition"] = f'attachment; filename="bastion-export-{day}.zip"'
    return response
