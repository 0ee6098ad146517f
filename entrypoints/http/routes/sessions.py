"""``/api/v1/me/sessions``: the devices signed in to the caller's account."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.sessions.list_sessions import ListSessionsCommand
from application.sessions.revoke_other_sessions import RevokeOtherSessionsCommand
from application.sessions.revoke_session import RevokeSessionCommand
from domain.ids import SessionId
from entrypoints.http.api import ApiBlueprint, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.schemas.sessions import RevokedResponse, SessionListResponse

blp = ApiBlueprint(
    "sessions",
    __name__,
    url_prefix="/api/v1/me/sessions",
    description="Devices and sessions of the signed-in user",
)


@blp.route("", methods=["GET"])
@authenticated
@blp.response(200, SessionListResponse)
@blp.doc(**security_doc())
@problems(blp, 401)
def list_sessions() -> dict[str, Any]:
    """List the signed-in devices.

    Every active session, newest first, all in one page: browser, OS and device from the
    User-Agent, the masked network (never the address), location (from a GeoIP2 City
    database or a trusted proxy's headers, as configured; all null otherwise, never
    guessed), trust score (0..100, see `domain/trust.py`; it never skips a factor),
    whether a second factor verified it, the sign-in methods (`amr`), and `current:
    true` on the caller's own."""
    who = principal()
    sessions = container().list_sessions()(ListSessionsCommand(who.user_id, who.session_id))
    return {"items": sessions, "next_cursor": None}


@blp.route("/<uuid:session_id>", methods=["DELETE"])
@authenticated
@blp.response(204)
@blp.doc(**security_doc())
@problems(blp, 401, 404)
def revoke_session(session_id: UUID) -> None:
    """Sign one device out.

    At once, on every API process: its refresh token dies, its access token fails on the
    next call, `session:revoked` is published and `session.revoked` recorded. The
    caller's own session may be named too. Another user's session, an unknown id and a
    session that already ended all answer 404 `not_found`, never 403."""
    command = RevokeSessionCommand(principal().user_id, SessionId(session_id))
    container().revoke_session()(command)


@blp.route("/revoke-others", methods=["POST"])
@authenticated
@blp.response(200, RevokedResponse)
@blp.doc(**security_doc())
@problems(blp, 401)
def revoke_other_sessions() -> dict[str, int]:
    """Sign every other device out.

    The caller's session stays; the answer is how many others ended."""
    who = principal()
    command = RevokeOtherSessionsCommand(who.user_id, who.session_id)
    return {"revoked": container().revoke_other_sessions()(command)}
