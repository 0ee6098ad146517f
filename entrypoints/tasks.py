"""Background tasks by name: what ``BackgroundTasks.defer`` queues and a worker (or, on
the embedded default, a daemon thread) runs through the container."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from application.auth.request_password_reset import SEND_PASSWORD_RESET
from application.auth.resend_verification import SEND_VERIFICATION

if TYPE_CHECKING:
    from entrypoints.container import Container

TaskRunner = Callable[[str, Mapping[str, str]], None]


def task_runner(container: Container) -> TaskRunner:
    handlers: dict[str, Callable[[Mapping[str, str]], None]] = {
        SEND_PASSWORD_RESET: lambda p: container.send_password_reset()(p["email"]),
        SEND_VERIFICATION: lambda p: container.send_verification()(p["email"]),
    }

    def run(task: str, payload: Mapping[str, str]) -> None:
        handler = handlers.get(task)
        if handler is None:
            raise ValueError(f"unknown background task {task!r}")
        handler(payload)

    return run
