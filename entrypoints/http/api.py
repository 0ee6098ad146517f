"""The flask-smorest ``Api`` with problem+json errors, and what routes need from Flask."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from copy import deepcopy
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import current_app, request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import deepupdate
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from application.common.client import ClientContext
from entrypoints.http.problems import from_http
from entrypoints.http.schemas.common import SecretField

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from flask import Request, Response

    from entrypoints.container import Container

CONTAINER_KEY = "bastion.container"
V = TypeVar("V", bound=Callable[..., Any])
_HINT_LIMIT = 200


class ProblemApi(Api):  # type: ignore[misc]  # flask-smorest ships no type hints
    """Renders every HTTP error as problem+json instead of flask-smorest's own shape."""

    def handle_http_exception(self, error: HTTPException) -> Response:
        return from_http(error)


class BodyParser(FlaskParser):
    """webargs' parser, hardened. JSON nested deeper than the interpreter's recursion limit,
    or holding a lone surrogate, is a malformed body (400); a chunked body that reaches the
    body limit is too large (413), not a cut-off text that fails to parse. Two things that
    are valid JSON but cannot be taken become 422s on their fields, like any other invalid
    value: an integer longer than Python converts (4,300 digits) reaches its field as a
    number no field accepts, and the NUL character (which PostgreSQL text cannot hold) is
    refused wherever the field keeps the text; a :class:`SecretField` (a password, a code),
    which is only ever hashed or compared, takes it."""

    def load_json(self, req: Request, schema: Schema) -> Any:
        body = super().load_json(req, schema)
        if body is core.missing:
            return body
        holding_nul: set[str] = set()
        for path, text in _strings(body):
            try:  # valid JSON but no text: refused here, not deep in a hash
                text.encode()
            except UnicodeEncodeError:
                abort(
                    400, messages={"json": ["Strings must be valid Unicode (no lone surrogates)."]}
                )
            if "\x00" in text and not _is_secret(schema, path):
                holding_nul.add(path or "_body")
        if holding_nul:
            message = ["Must not contain the NUL character (U+0000)."]
            abort(422, messages={"json": dict.fromkeys(sorted(holding_nul), message)})
        return body

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        limit = req.max_content_length
        if req.content_length is None and limit is not None and len(data) >= limit:
            raise RequestEntityTooLarge()  # the stream stopped at the limit, not at the end
        try:  # webargs reports a UnicodeDecodeError as a malformed body
            return json.loads(data.decode(), parse_int=_integer)
        except RecursionError:
            abort(400, messages={"json": ["JSON body nested too deeply."]})


class OversizedNumber:
    """An integer of more digits than Python converts (``sys.get_int_max_str_digits``):
    no schema field accepts it, so it is refused as that field's invalid value."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _markdown(text: str) -> str:
    """Docstrings are written for Python readers (reST marks code with double backticks);
    the OpenAPI document is read as Markdown."""
    return text.replace("``", "`") if isinstance(text, str) else text


def _integer(text: str) -> int | OversizedNumber:
    try:
        return int(text)
    except ValueError:
        return OversizedNumber(len(text))


def _strings(body: Any) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value (keys too) with the dotted path of the field it is in;
    a loop, not recursion, since the body may be nested nearly as deep as the parser allows."""
    pending: list[tuple[str, Any]] = [("", body)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{path}.{key}" if path else str(key)
                yield inner, str(key)
                pending.append((inner, item))
        elif isinstance(value, list):
            pending.extend((path, item) for item in value)


def _is_secret(schema: Schema, path: str) -> bool:
    """Whether the top-level field ``path`` lies in is a :class:`SecretField`."""
    return isinstance(schema.fields.get(path.split(".", maxsplit=1)[0]), SecretField)


class ApiBlueprint(Blueprint):  # type: ignore[misc]
    """Every API blueprint parses bodies with :class:`BodyParser`, and documents without
    wrapping. Each operation's ``operationId`` is its view's name in lowerCamelCase (views
    are named uniquely), docstrings are rendered as Markdown (reST's double backticks become
    single ones), and a schema's ``EXAMPLE`` is the example of a body it reads or writes."""

    ARGUMENTS_PARSER = BodyParser()

    def arguments(self, schema: Any, **kwargs: Any) -> Callable[[V], V]:
        if kwargs.get("location", "json") == "json" and "example" not in kwargs:
            kwargs["example"] = getattr(schema, "EXAMPLE", None)
        documented: Callable[[V], V] = super().arguments(schema, **kwargs)
        return documented

    def response(self, status_code: int, schema: Any = None, **kwargs: Any) -> Callable[[V], V]:
        named = getattr(schema, "EXAMPLES", None)
        if named and "examples" not in kwargs:
            kwargs["examples"] = {name: {"value": value} for name, value in named.items()}
        elif "example" not in kwargs:
            kwargs["example"] = getattr(schema, "EXAMPLE", None)
        documented: Callable[[V], V] = super().response(status_code, schema, **kwargs)
        return documented

    def _store_endpoint_docs(
        self, endpoint: str, obj: Any, parameters: Any, tags: Any, **options: Any
    ) -> None:
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, doc in self._docs[endpoint].items():
            if method == "parameters":
                continue
            doc["docstring"] = {k: _markdown(v) for k, v in doc["docstring"].items()}
            first, *rest = endpoint.split("_")
            operation_id = first + "".join(word.capitalize() for word in rest)
            doc.setdefault("manual_doc", {}).setdefault("operationId", operation_id)

    @staticmethod
    def doc(**kwargs: Any) -> Callable[[V], V]:
        """flask-smorest's ``doc``, without its wrapper. That wrapper only calls the view,
        on every request, to carry the entry it adds to the view's ``_apidoc``, which the
        spec is built from. This adds the same entry to the view function itself, so each
        function is documented for one route (as every route here is); a unit test
        compares the entry with smorest's."""

        def decorator(view: V) -> V:
            apidoc = deepcopy(getattr(view, "_apidoc", {}))
            apidoc["manual_doc"] = deepupdate(deepcopy(apidoc.get("manual_doc", {})), kwargs)
            view._apidoc = apidoc  # type: ignore[attr-defined]
            return view

        return decorator


def container() -> Container:
    """Asked several times a request: through ``_get_current_object`` (Werkzeug's
    documented way to the proxied object) it costs a quarter of an attribute read on the
    ``current_app`` proxy."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return cast("Container", app.extensions[CONTAINER_KEY])


def current_request() -> Request:
    """The request itself, not its proxy: read several attributes of it through this."""
    found: Request = request._get_current_object()  # type: ignore[attr-defined]
    return found


def client_ip() -> str:
    """The caller's address: all the rate limits need, so every request does not build a
    whole :func:`client`."""
    return remote_address(current_request().environ)


def remote_address(environ: WSGIEnvironment) -> str:
    """The peer's address as Werkzeug's ``remote_addr`` reads it: ``REMOTE_ADDR``, which
    ``ProxyFix`` has replaced with the forwarded client's when proxies are trusted."""
    found: str | None = environ.get("REMOTE_ADDR")
    return found or "0.0.0.0"  # noqa: S104 -- a placeholder, never bound


def client() -> ClientContext:
    """The caller as the transport sees it."""
    return ClientContext(
        ip=client_ip(),
        user_agent=request.headers.get("User-Agent", "")[:1024],
        location_hints=_location_hints(),
    )


def _location_hints() -> dict[str, str]:
    """The location headers the operator named, read only when a proxy is trusted (the
    settings refuse the names otherwise). WSGI hands header bytes over as Latin-1; a
    proxy sends city names as UTF-8, so they are decoded again."""
    settings = container().settings()
    if not settings.trusted_proxies:
        return {}
    found = {
        name: request.headers.get(name, "")[:_HINT_LIMIT] for name in settings.location_headers
    }
    return {name: _utf8(value) for name, value in found.items() if value}


def _utf8(value: str) -> str:
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def security_doc() -> dict[str, Any]:
    return {"security": [{"bearerAuth": []}]}
