"""``BastionFlask.ensure_sync``: decided once per function, as Flask would decide."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from entrypoints.http.app import BastionFlask


def plain() -> str:
    return "plain"


async def coroutine() -> str:
    return "coroutine"


class View:
    def get(self) -> str:
        return "method"


def test_plain_functions_and_methods_are_returned_as_they_are() -> None:
    app = BastionFlask("test")
    view = View()

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain  # the remembered answer
    assert app.ensure_sync(view.get) == view.get
    assert app.ensure_sync(View().get)() == "method"  # another instance, same function


class AsyncView:
    async def get(self) -> str:
        return "async method"


def test_coroutine_functions_and_methods_still_run_through_async_to_sync(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = BastionFlask("test")
    converted: list[Any] = []
    monkeypatch.setattr(app, "async_to_sync", lambda func: converted.append(func) or plain)
    method = AsyncView().get

    assert app.ensure_sync(coroutine) is plain
    assert app.ensure_sync(coroutine) is plain
    assert app.ensure_sync(method) is plain
    assert converted == [coroutine, coroutine, method]


def test_other_callables_are_decided_by_flask_and_not_remembered() -> None:
    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self) -> str:
            return "called"

    app = BastionFlask("test")
    callable_object = Unhashable()
    partial = functools.partial(plain)

    assert app.ensure_sync(callable_object) is callable_object
    assert app.ensure_sync(partial) is partial
    assert app.ensure_sync(plain) is plain
    assert list(app._coroutines) == [plain]
