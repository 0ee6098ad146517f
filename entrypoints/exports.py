"""How the container runs export jobs without a queue, and the test-only pause hook."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from application.exports.fail_export import reason_for
from domain.ids import ExportId
from entrypoints.settings import Environment, Settings

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger("bastion.exports")
PAUSE_SECONDS = 60.0


def export_builder(container: Container) -> Callable[[ExportId], object]:
    """Resolved per job, not when the queue is built: the queue is a dependency of the
    very use cases the container is still assembling."""

    def build(export_id: ExportId) -> object:
        return container.build_export()(export_id)

    return build


def export_giver_up(container: Container) -> Callable[[ExportId, Exception], object]:
    return lambda export_id, error: container.fail_export()(export_id, reason_for(error))


def export_progress(settings: Settings) -> Callable[[float, int], None] | None:
    """``BASTION_TEST_EXPORT_PAUSE_AT`` (test environment only; settings refuse it
    elsewhere): once that fraction of the archive is written, the first attempt sleeps a
    minute, so a fault-injection test can kill its process mid-job (SECURITY FI-09,
    FI-10); the retry then runs through."""
    pause_at = settings.test_export_pause_at
    if pause_at is None or settings.env is not Environment.TEST:
        return None

    paused: set[int] = set()

    def pause(fraction: float, attempt: int) -> None:
        if attempt == 1 and fraction >= pause_at and attempt not in paused:
            paused.add(attempt)
            log.warning("export job paused for a fault-injection test")
            time.sleep(PAUSE_SECONDS)

    return pause
