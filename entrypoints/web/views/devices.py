"""The devices signed in to the account: each with its browser, place, masked network
and trust score, this one marked; sign one out, or every other one."""

from __future__ import annotations

from uuid import UUID

from flask.typing import ResponseReturnValue

from application.sessions.list_sessions import ListSessionsCommand
from application.sessions.revoke_other_sessions import RevokeOtherSessionsCommand
from application.sessions.revoke_session import RevokeSessionCommand
from domain.ids import SessionId
from entrypoints.http.api import container
from entrypoints.web import session
from entrypoints.web.blueprint import console
from entrypoints.web.pages import done, render, signed_in, who


@console.route("/sessions", methods=["GET"])
@signed_in
def devices() -> ResponseReturnValue:
    person = who()
    listed = container().list_sessions()(ListSessionsCommand(person.user_id, person.session_id))
    listed.sort(key=lambda view: not view.current)
    return render("devices.html", sessions=listed, others=len(listed) - 1)


@console.route("/sessions/<uuid:session_id>/sign-out", methods=["POST"])
@signed_in
def sign_device_out(session_id: UUID) -> ResponseReturnValue:
    """Signing this very device out is signing out."""
    person = who()
    container().revoke_session()(RevokeSessionCommand(person.user_id, SessionId(session_id)))
    if session_id == person.session_id:
        session.end()
        return done("console.sign_in", "signed_out")
    return done("console.devices", "session_revoked")


@console.route("/sessions/sign-out-others", methods=["POST"])
@signed_in
def sign_others_out() -> ResponseReturnValue:
    person = who()
    command = RevokeOtherSessionsCommand(person.user_id, person.session_id)
    container().revoke_other_sessions()(command)
    return done("console.devices", "others_revoked")
