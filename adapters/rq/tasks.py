"""Background tasks on RQ: one sealed argument per job, so no email or other payload sits
in Redis in clear; the worker opens it and runs the task by name."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from adapters.rq.queues import RqQueues
from adapters.rq.sealing import is_text_mapping
from application.ports.messaging import BackgroundTasks
from application.ports.security import SecretBox

JOB = "entrypoints.worker.jobs.run_task"
RETRY_INTERVALS = [5, 15, 60, 300]
JOB_TIMEOUT = 60
TaskRunner = Callable[[str, Mapping[str, str]], None]


class QueuedTasks(BackgroundTasks):
    def __init__(self, queues: RqQueues, box: SecretBox) -> None:
        self._queues = queues
        self._box = box

    def defer(self, task: str, payload: Mapping[str, str]) -> None:
        sealed = seal_task(self._box, task, payload)
        self._queues.enqueue_sealed(
            JOB, sealed, kind="task", retry_intervals=RETRY_INTERVALS, timeout=JOB_TIMEOUT
        )


class SealedTaskCourier:
    """The worker's side of :class:`QueuedTasks`: open, then run."""

    def __init__(self, box: SecretBox, run: TaskRunner) -> None:
        self._box = box
        self._run = run

    def deliver(self, sealed: str) -> str:
        """Run the task and return its name. ``ValueError`` for a value no retry can open
        or an unknown task; whatever the task raises propagates, so the job is retried."""
        task, payload = open_task(self._box, sealed)
        self._run(task, payload)
        return task


def seal_task(box: SecretBox, task: str, payload: Mapping[str, str]) -> str:
    body = {"task": task, "payload": dict(payload)}
    return box.seal(json.dumps(body, separators=(",", ":")).encode())


def open_task(box: SecretBox, sealed: str) -> tuple[str, dict[str, str]]:
    """Raises ``ValueError`` when the box cannot open it or it is not a task."""
    body = json.loads(box.open(sealed))
    task = body.get("task") if isinstance(body, dict) else None
    payload = body.get("payload") if isinstance(body, dict) else None
    if isinstance(task, str) and is_text_mapping(payload):
        return task, payload
    raise ValueError("the sealed value is not a task")
