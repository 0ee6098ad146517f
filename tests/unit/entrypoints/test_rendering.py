"""RenderedOnce: one schema dump per result object, for as long as a copy lives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from marshmallow import Schema, fields

from entrypoints.http.rendering import RenderedOnce


@dataclass(frozen=True)
class Named:
    name: str


class CountingSchema(Schema):
    name = fields.String()

    dumps_made = 0

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        CountingSchema.dumps_made += 1
        return super().dump(obj, many=many)


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_each_object_is_rendered_once_until_its_time_is_up() -> None:
    clock, schema = Clock(), CountingSchema()
    rendered = RenderedOnce(schema, capacity=2, ttl=60, monotonic=clock)
    ada, grace = Named("Ada"), Named("Grace")
    with Flask("test").app_context():
        first = rendered.response(ada)
        again = rendered.response(ada)
        equal_but_new = rendered.response(Named("Ada"))
        assert first.get_json() == again.get_json() == {"name": "Ada"}
        assert first.mimetype == "application/json"
        assert CountingSchema.dumps_made == 2  # the equal object is another copy
        rendered.response(grace)  # the oldest makes room
        assert CountingSchema.dumps_made == 3
        rendered.response(ada)
        assert CountingSchema.dumps_made == 4

        clock.now = 61
        assert rendered.response(grace).get_json() == {"name": "Grace"}
        assert CountingSchema.dumps_made == 5
    assert equal_but_new.get_json() == {"name": "Ada"}
