"""Background tasks run at once, in the caller's thread, so a test can read the mail a
deferred task sent right after the request returns. ``deferred`` keeps what was asked."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from application.ports.messaging import BackgroundTasks


class InlineTasks(BackgroundTasks):
    def __init__(self, run: Callable[[str, Mapping[str, str]], None]) -> None:
        self._run = run
        self.deferred: list[tuple[str, dict[str, str]]] = []

    def defer(self, task: str, payload: Mapping[str, str]) -> None:
        self.deferred.append((task, dict(payload)))
        self._run(task, payload)
