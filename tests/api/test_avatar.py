"""The profile picture: upload checked from the bytes, re-encoded without metadata,
served with caching headers, replaced and removed without leaving files behind."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.api.conftest import Bastion, BastionFactory
from tests.support.images import CANARY_MAKE, forgeries, gps_of, jpeg_with_gps, picture

EMAIL = "ada@example.com"
PUBLIC_URL = "https://bastion.example"


def _upload(
    bastion: Bastion, token: str, data: bytes, name: str = "me.png", ctype: str = "image/png"
) -> Any:
    body = {"file": (io.BytesIO(data), name, ctype)}
    return bastion.call(
        "PUT", "/me/avatar", token=token, data=body, content_type="multipart/form-data"
    )


def _stored(bastion: Bastion) -> list[str]:
    files = bastion.container.files()
    if hasattr(files, "keys"):
        return list(files.keys)
    root = Path(bastion.container.settings().files_dir)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _fetch(bastion: Bastion, url: str, **headers: str) -> Any:
    assert url.startswith(f"{PUBLIC_URL}/media/avatars/")
    return bastion.client.get(url.removeprefix(PUBLIC_URL), headers=headers)


@pytest.fixture
def token(bastion: Bastion) -> str:
    value: str = bastion.signed_in(EMAIL)["access_token"]
    return value


@pytest.mark.parametrize(
    ("fmt", "mime", "suffix"),
    [("PNG", "image/png", ".png"), ("JPEG", "image/jpeg", ".jpg"), ("WEBP", "image/webp", ".webp")],
)
def test_a_picture_is_stored_and_served_with_caching_headers(
    bastion: Bastion, token: str, fmt: str, mime: str, suffix: str
) -> None:
    response = _upload(bastion, token, picture(fmt), name="whatever.bin", ctype="text/plain")

    assert response.status_code == 200, response.json
    url = response.json["avatar_url"]
    assert url.endswith(suffix)
    assert bastion.call("GET", "/me", token=token).json["avatar_url"] == url
    served = _fetch(bastion, url)
    assert served.status_code == 200
    assert served.mimetype == mime
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Cache-Control"] == "public, max-age=3600, immutable"
    etag = served.headers["ETag"]
    assert etag.startswith('"')
    again = _fetch(bastion, url, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_the_upload_is_recorded_and_published(bastion: Bastion, token: str) -> None:
    user_id = UUID(bastion.call("GET", "/me", token=token).json["id"])

    _upload(bastion, token, picture())

    with bastion.container.uow() as uow:
        user = uow.users.get(user_id)  # type: ignore[arg-type]
        event = uow.events.list_for_user(user_id, limit=1)[0]  # type: ignore[arg-type]
    assert user is not None
    assert user.avatar_mime_type == "image/png"
    assert (user.avatar_size or 0) > 0
    assert (user.avatar_key or "").startswith("avatars/")
    assert (event.type.value, dict(event.metadata)) == ("profile.updated", {"fields": "avatar"})
    assert ("user:updated", str(user_id)) in [
        (c, p["id"]) for c, p in bastion.container.publisher().messages
    ]


@pytest.mark.parametrize("name", sorted(forgeries()))
def test_a_forged_picture_is_refused_and_nothing_is_stored(
    bastion: Bastion, token: str, name: str
) -> None:
    response = _upload(bastion, token, forgeries()[name], name="avatar.png", ctype="image/png")

    assert (response.status_code, response.json["code"]) == (422, "invalid_image")
    assert response.mimetype == "application/problem+json"
    assert "file" in response.json["errors"]
    assert _stored(bastion) == []
    assert bastion.call("GET", "/me", token=token).json["avatar_url"] is None


def test_gps_exif_is_gone_from_what_is_served(bastion: Bastion, token: str) -> None:
    original = jpeg_with_gps()
    assert gps_of(original)

    url = _upload(bastion, token, original, "holiday.jpg", "image/jpeg").json["avatar_url"]

    served = _fetch(bastion, url).get_data()
    assert gps_of(served) == {}
    assert CANARY_MAKE.encode() not in served
    assert b"Exif" not in served


def test_a_file_over_two_mebibytes_is_refused(bastion: Bastion, token: str) -> None:
    one_byte_over = b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024 - 7)

    response = _upload(bastion, token, one_byte_over)

    assert (response.status_code, response.json["code"]) == (413, "file_too_large")
    assert _stored(bastion) == []


def test_a_body_far_over_the_limit_is_cut_off_while_it_is_read(
    bastion: Bastion, token: str
) -> None:
    response = _upload(bastion, token, b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024))

    assert (response.status_code, response.json["code"]) == (413, "payload_too_large")
    assert _stored(bastion) == []


def test_other_routes_keep_the_one_mebibyte_limit(bastion: Bastion, token: str) -> None:
    response = bastion.call(
        "PATCH", "/me", token=token, json={"first_name": "A" * (1024 * 1024 + 10)}
    )

    assert response.status_code == 413


def test_pixel_bounds_and_decompression_bombs_are_refused(bastion: Bastion, token: str) -> None:
    from tests.support.images import png_header_claiming

    for width, height in [(4097, 1), (100_000, 100_000)]:
        response = _upload(bastion, token, png_header_claiming(width, height))
        assert (response.status_code, response.json["code"]) == (422, "invalid_image")
    assert _stored(bastion) == []


def test_replacing_the_picture_deletes_the_old_file(bastion: Bastion, token: str) -> None:
    first = _upload(bastion, token, picture("PNG")).json["avatar_url"]
    second = _upload(bastion, token, picture("JPEG")).json["avatar_url"]

    assert first != second
    assert len(_stored(bastion)) == 1
    assert _fetch(bastion, first).status_code == 404
    assert _fetch(bastion, second).status_code == 200


def test_removing_the_picture_deletes_the_file_and_is_idempotent(
    bastion: Bastion, token: str
) -> None:
    url = _upload(bastion, token, picture()).json["avatar_url"]

    response = bastion.call("DELETE", "/me/avatar", token=token)

    assert response.status_code == 204
    assert _stored(bastion) == []
    assert _fetch(bastion, url).status_code == 404
    assert bastion.call("GET", "/me", token=token).json["avatar_url"] is None
    assert bastion.call("DELETE", "/me/avatar", token=token).status_code == 204


def test_the_local_directory_store_keeps_one_file_under_the_instance(
    make_bastion: BastionFactory,
) -> None:
    bastion = make_bastion("sql")
    token = bastion.signed_in(EMAIL)["access_token"]
    root = Path(bastion.container.settings().files_dir)

    first = _upload(bastion, token, picture("PNG")).json["avatar_url"]
    second = _upload(bastion, token, jpeg_with_gps()).json["avatar_url"]

    files = [p for p in root.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [second.rsplit("/", 1)[1]]
    assert _fetch(bastion, first).status_code == 404
    served = _fetch(bastion, second)
    assert (served.status_code, served.mimetype) == (200, "image/jpeg")
    assert _upload(bastion, token, forgeries()["svg"]).status_code == 422
    assert [p for p in root.rglob("*") if p.is_file()] == files


def test_the_upload_takes_multipart_only_and_needs_a_token(bastion: Bastion, token: str) -> None:
    as_json = bastion.call("PUT", "/me/avatar", token=token, json={"file": "aGVsbG8="})
    missing = bastion.call(
        "PUT", "/me/avatar", token=token, data={"other": "x"}, content_type="multipart/form-data"
    )
    anonymous = _upload(bastion, "", picture())
    elsewhere = bastion.call(
        "PATCH",
        "/me",
        token=token,
        data={"file": (io.BytesIO(b"x"), "a.png")},
        content_type="multipart/form-data",
    )

    assert (as_json.status_code, as_json.json["code"]) == (415, "unsupported_media_type")
    assert (missing.status_code, missing.json["code"]) == (422, "validation_error")
    assert (anonymous.status_code, anonymous.json["code"]) == (401, "invalid_token")
    assert elsewhere.status_code == 415


@pytest.mark.parametrize(
    "name",
    ["nope", "..%2F..%2Fsecrets.json", "AAAAAAAAAAAAAAAAAAAAAA.png", "a" * 300 + ".png"],
)
def test_unknown_or_malformed_picture_names_are_not_found(bastion: Bastion, name: str) -> None:
    response = bastion.client.get(f"/media/avatars/{name}")

    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_the_openapi_document_describes_the_upload_and_the_media_route(bastion: Bastion) -> None:
    spec = bastion.client.get("/openapi.json").json
    put = spec["paths"]["/api/v1/me/avatar"]["put"]

    assert "multipart/form-data" in put["requestBody"]["content"]
    assert {"200", "401", "413", "415", "422"} <= set(put["responses"])
    assert "delete" in spec["paths"]["/api/v1/me/avatar"]
    media = spec["paths"]["/media/avatars/{name}"]["get"]
    assert {"200", "304", "404"} <= set(media["responses"])
