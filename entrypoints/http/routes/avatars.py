"""``/api/v1/me/avatar`` (upload, remove) and ``/media/avatars/{name}`` (serve)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Response, request
from werkzeug.datastructures import FileStorage

from application.account.avatar import ChangeAvatarCommand, RemoveAvatarCommand
from application.common.throttle import Rule
from domain.profile import AVATAR_MAX_BYTES
from domain.users import UserProfile
from entrypoints.http.api import ApiBlueprint, container, security_doc
from entrypoints.http.docs import problems
from entrypoints.http.guard import authenticated, principal
from entrypoints.http.limits import limited
from entrypoints.http.schemas.account import AvatarUploadRequest
from entrypoints.http.schemas.common import UserResponse

P = ParamSpec("P")
R = TypeVar("R")
MULTIPART_OVERHEAD = 16 * 1024
CACHE_CONTROL = "public, max-age=3600, immutable"
_IMAGE = {"schema": {"type": "string", "format": "binary"}}

blp = ApiBlueprint("avatars", __name__, description="Profile pictures: upload, remove, serve")
"""Holds both areas below, so the app registers one blueprint."""
mine = ApiBlueprint("avatar", __name__, url_prefix="/api/v1/me/avatar")
media = ApiBlueprint("media", __name__, url_prefix="/media")


def body_limit(limit: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Raise this route's body limit above the app-wide 1 MiB before the body is parsed;
    a larger body is cut off with 413 ``payload_too_large`` while it is read."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def bounded(*args: P.args, **kwargs: P.kwargs) -> R:
            request.max_content_length = limit
            return view(*args, **kwargs)

        return bounded

    return decorate


@mine.route("", methods=["PUT"])
@limited(Rule.UPLOAD)
@authenticated
@body_limit(AVATAR_MAX_BYTES + MULTIPART_OVERHEAD)
@mine.arguments(AvatarUploadRequest, location="files")
@mine.response(200, UserResponse)
@mine.doc(**security_doc())
@problems(mine, 401, 413, 415, 422)
def put_avatar(files: dict[str, Any]) -> UserProfile:
    """Upload a profile picture.

    `multipart/form-data` with one part `file`: a PNG, JPEG or WebP picture of at most
    2 MiB and 4096x4096 pixels. The type is read from the bytes and the picture must
    decode; the file name and the part's `Content-Type` count for nothing. Anything
    else (a GIF, an SVG, a PNG header followed by something else) answers 422
    `invalid_image` and nothing is stored; a larger file 413 `file_too_large` (or
    `payload_too_large` for the whole body). The picture is turned upright, shrunk to
    fit 512x512 and encoded again, so EXIF (GPS included) and every other piece of
    metadata is dropped. The answer is the profile, whose `avatar_url` serves the new
    picture; the previous picture is deleted. Records `profile.updated` (`fields:
    avatar`) and publishes `user:updated`."""
    upload: FileStorage = files["file"]
    data = upload.stream.read(AVATAR_MAX_BYTES + 1)
    who = principal()
    return container().change_avatar()(ChangeAvatarCommand(who.user_id, data, who.session_id))


@mine.route("", methods=["DELETE"])
@authenticated
@mine.response(204)
@mine.doc(**security_doc())
@problems(mine, 401)
def delete_avatar() -> None:
    """Remove the profile picture.

    The file is deleted and `avatar_url` becomes null; removing no picture is fine."""
    who = principal()
    container().remove_avatar()(RemoveAvatarCommand(who.user_id, who.session_id))


@media.route("/avatars/<string:name>", methods=["GET"])
@media.doc(
    responses={
        "200": {
            "description": "The picture (`image/png`, `image/jpeg` or `image/webp`)",
            "content": {"image/png": _IMAGE, "image/jpeg": _IMAGE, "image/webp": _IMAGE},
        },
        "304": {"description": "Not modified (`If-None-Match`)"},
    }
)
@problems(media, 404)
def get_avatar(name: str) -> Response:
    """Serve a profile picture.

    No token needed: the name holds 128 random bits and is never reused, so the URL
    is the capability and the content never changes (`Cache-Control: public,
    max-age=3600, immutable`, a strong `ETag`, `304` on `If-None-Match`). A replaced
    or removed picture, and that of a deleted account, answer 404 (caches may keep it
    up to an hour). Sent with its stored type and `X-Content-Type-Options: nosniff`."""
    stored = container().open_avatar()(name)
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.set_etag(hashlib.sha256(stored.data).hexdigest()[:32])
    response.make_conditional(request)
    return response


blp.register_blueprint(mine)
blp.register_blueprint(media)
