"""Query parameters and envelope every cursor-paginated list shares."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from application.common.paging import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT

CURSOR_PATTERN = "^[A-Za-z0-9_-]+={0,2}$"
"""Cursors are unpadded base64url; anything else cannot decode to a position."""


class PageQuery(Schema):
    cursor = fields.String(
        validate=validate.Length(min=1, max=MAX_CURSOR_LENGTH),
        metadata={
            "description": "`next_cursor` of the previous page; omit for the first",
            "pattern": CURSOR_PATTERN,
        },
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"items per page, 1..{MAX_LIMIT}"},
    )


def next_cursor_field() -> fields.String:
    return fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "opaque; pass as `cursor` for the next page, null on the last"},
    )
