"""One form of a page: read with the API's own request schema, so a page accepts exactly
what the JSON route accepts, and remembered with what went wrong so the page can say it
beside the field.

A view handles a post inside ``with form:``. A refusal (a field the schema rejects, a
domain error of the use case) leaves the block, is kept on the form, and the view goes
on to render its page again with it; anything else propagates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import TracebackType
from typing import Any, NoReturn

from marshmallow import Schema, ValidationError, fields

from domain.errors import DomainError, RateLimitedError, UnavailableError
from entrypoints.http.api import current_request
from entrypoints.http.problems import STATUS_BY_KIND, flatten
from entrypoints.http.schemas.common import SecretField
from entrypoints.web.messages import describe

_NEVER_SHOWN_AGAIN = frozenset({"code", "credential"})
"""Besides passwords: what a page never puts back into a field it renders again."""
_CHECK_FIELDS = "Check the fields marked below."
_GARBLED = "Your browser sent something we could not read. Please try again."
"""A nested field is the browser's own answer (a passkey's credential), never typed."""


class Form:
    def __init__(self, name: str, schema: type[Schema] | None = None) -> None:
        self.name = name
        self.error: str | None = None
        self.code: str | None = None
        """The refusal's code, when a use case refused."""
        self.field_errors: dict[str, list[str]] = {}
        self.status = 200
        self.retry_after: int | None = None
        self._schema = schema
        self._shown: dict[str, str] = {}

    def load(
        self, *, keep_empty: bool = False, given: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The posted fields the schema knows, as it loads them, with ``given`` (what the
        console adds, such as a ``login_token`` from its cookie). Empty fields count as
        not sent unless ``keep_empty`` (a profile, where an empty value clears one). A
        nested field (a passkey's credential) is posted as JSON text."""
        if self._schema is None:
            raise TypeError(f"the form {self.name!r} has no schema")
        schema = self._schema()
        posted = current_request().form
        sent = {
            name: posted[name]
            for name in schema.fields
            if name in posted and (keep_empty or posted[name] != "")
        }
        self._shown = {
            name: value
            for name, value in sent.items()
            if name not in _NEVER_SHOWN_AGAIN and not isinstance(schema.fields[name], SecretField)
        }
        data: dict[str, Any] = {**sent, **(given or {})}
        nested = [name for name, field in schema.fields.items() if isinstance(field, fields.Nested)]
        for name in nested:
            if isinstance(data.get(name), str):
                data[name] = self._json(name, data[name])
        try:
            loaded: dict[str, Any] = schema.load(data)
        except ValidationError as error:
            errors = flatten(error.messages)
            garbled = any(key.split(".")[0] in nested for key in errors)
            self.refuse(errors, _GARBLED if garbled else _CHECK_FIELDS)
        return loaded

    def _json(self, name: str, text: str) -> Any:
        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than it goes
            self.refuse({name: [_GARBLED]}, _GARBLED)

    def refuse(self, errors: Mapping[str, list[str]], message: str = _CHECK_FIELDS) -> NoReturn:
        """Stop handling the post: these fields are wrong."""
        raise _RefusedError(message, errors)

    def answered(self, code: str, message: str, status: int = 400) -> None:
        """Refused elsewhere (a provider's ``error`` on the way back): show ``message``."""
        self.error, self.code, self.status = message, code, status

    def value(self, name: str, default: str | None = "") -> str:
        """What the field showed when it was sent, for the page rendered again."""
        return self._shown.get(name, default or "")

    def errors_of(self, name: str) -> list[str]:
        return self.field_errors.get(name, [])

    @property
    def failed(self) -> bool:
        return self.error is not None

    def __enter__(self) -> Form:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool:
        if isinstance(error, _RefusedError):
            self.error, self.field_errors, self.status = error.message, dict(error.errors), 422
            return True
        if isinstance(error, DomainError):
            self._take(error)
            return True
        return False

    def _take(self, error: DomainError) -> None:
        self.error = describe(error)
        self.code = error.code
        self.status = STATUS_BY_KIND[error.kind]
        if isinstance(error, RateLimitedError | UnavailableError):
            self.retry_after = error.retry_after
        self.field_errors = {k: list(v) for k, v in getattr(error, "errors", {}).items()}


class _RefusedError(Exception):
    def __init__(self, message: str, errors: Mapping[str, list[str]]) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
