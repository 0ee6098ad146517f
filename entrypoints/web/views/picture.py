"""The profile picture: upload (PNG, JPEG or WebP, at most 2 MB) and removal, through the
API's own use cases, which read the type from the bytes and re-encode the picture."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from application.account.avatar import ChangeAvatarCommand, RemoveAvatarCommand
from application.common.throttle import Rule
from domain.errors import InvalidImageError
from domain.profile import AVATAR_MAX_BYTES
from entrypoints.http.api import container, current_request
from entrypoints.web.blueprint import console
from entrypoints.web.forms import Form
from entrypoints.web.pages import charge, done, signed_in, who
from entrypoints.web.views.profile import overview_page


@console.route("/picture", methods=["POST"])
@signed_in
def change_picture() -> ResponseReturnValue:
    """The body limit was raised for this route before the form was read (the blueprint)."""
    form = Form("picture")
    with form:
        charge(Rule.UPLOAD)
        upload = current_request().files.get("file")
        if upload is None or not upload.filename:
            raise InvalidImageError("Choose a picture first.")
        data = upload.stream.read(AVATAR_MAX_BYTES + 1)
        person = who()
        container().change_avatar()(ChangeAvatarCommand(person.user_id, data, person.session_id))
        return done("console.overview", "avatar_changed")
    return overview_page(form)


@console.route("/picture/remove", methods=["POST"])
@signed_in
def remove_picture() -> ResponseReturnValue:
    person = who()
    container().remove_avatar()(RemoveAvatarCommand(person.user_id, person.session_id))
    return done("console.overview", "avatar_removed")
