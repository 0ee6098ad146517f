"""The in-process export queue of the embedded default."""

from __future__ import annotations

import threading
from uuid import uuid4

from adapters.notify.background import ThreadedExportQueue
from application.ports.messaging import JobState
from domain.ids import ExportId


def test_a_queued_export_is_built_once_and_then_no_longer_waiting() -> None:
    built: list[ExportId] = []
    release = threading.Event()

    def build(export_id: ExportId) -> None:
        release.wait(5)
        built.append(export_id)

    queue = ThreadedExportQueue(build, lambda *_: None, retries=0)
    export_id = ExportId(uuid4())
    queue.enqueue(export_id)
    queue.enqueue(export_id)  # already waiting: not twice
    assert queue.job_state(export_id) is JobState.WAITING
    release.set()
    assert queue.flush(5)
    assert built == [export_id]
    assert queue.job_state(export_id) is JobState.UNKNOWN


def test_an_export_that_keeps_failing_is_given_up_after_its_retries() -> None:
    tries: list[ExportId] = []
    given_up: list[tuple[ExportId, str]] = []

    def build(export_id: ExportId) -> None:
        tries.append(export_id)
        raise OSError(28, "No space left on device")

    queue = ThreadedExportQueue(
        build, lambda e, error: given_up.append((e, type(error).__name__)), retries=2, backoff=0
    )
    export_id = ExportId(uuid4())
    queue.enqueue(export_id)
    assert queue.flush(5)
    assert tries == [export_id] * 3
    assert given_up == [(export_id, "OSError")]


def test_a_failure_to_give_up_does_not_stop_the_queue() -> None:
    built: list[ExportId] = []
    broken, fine = ExportId(uuid4()), ExportId(uuid4())

    def build(export_id: ExportId) -> None:
        if export_id == broken:
            raise RuntimeError("boom")
        built.append(export_id)

    def give_up(export_id: ExportId, error: Exception) -> None:
        raise OSError("the database is on the same full disk")

    queue = ThreadedExportQueue(build, give_up, retries=0, backoff=0)
    queue.enqueue(broken)
    queue.enqueue(fine)
    assert queue.flush(5)
    assert built == [fine]
    assert queue.job_state(broken) is JobState.UNKNOWN  # the reconciler takes it up again
