"""RQ job functions: thin, each calls one use case or adapter through the container.

RQ imports them by dotted path in a forked work-horse, so the container is built lazily
once per process and no connection crosses a fork.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import Any
from uuid import UUID

from rq.exceptions import AbandonedJobError
from rq.job import Job

from application.auth.purge_unverified_users import PurgeUnverifiedUsersCommand
from application.exports.fail_export import reason_for
from domain.exports import FailureReason
from domain.ids import ExportId
from entrypoints.container import Container, build_container
from entrypoints.settings import load_settings

log = logging.getLogger("bastion.jobs")


@cache
def _container() -> Container:
    return build_container(load_settings())


# The worker process itself builds a container when it runs a callback; a work-horse
# forked after that must not share its database connections, so it builds its own.
os.register_at_fork(after_in_child=_container.cache_clear)


def deliver_notice(sealed: str) -> None:
    """Send a sealed notice now. A failed send raises, and RQ retries it with backoff; a
    value that cannot be opened (a rotated-out key, a forged job) is dropped, as no retry
    could ever open it."""
    try:
        notice = _container().notice_courier().deliver(sealed)
    except ValueError:
        log.error("notice dropped: the sealed value cannot be opened")  # noqa: TRY400
        return
    log.info("notice delivered", extra={"kind": notice.kind.value})


def deliver_sms(sealed: str) -> None:
    """Send a sealed text message now, unless its code has expired. A failed send raises,
    and RQ retries it with backoff; a value that cannot be opened is dropped. The log says
    what happened and never holds the number or the body."""
    try:
        message = _container().sms_courier().deliver(sealed)
    except ValueError:
        log.error("text message dropped: the sealed value cannot be opened")  # noqa: TRY400
        return
    if message is None:
        log.info("text message dropped: it expired before it could be sent")
        return
    log.info("text message sent")


def purge_unverified_users() -> int:
    deleted: int = _container().purge_unverified_users()(PurgeUnverifiedUsersCommand())
    log.info("unverified accounts purged", extra={"count": deleted})
    return deleted


def run_task(sealed: str) -> None:
    """Run a deferred task (a reset mail, a resent code). A value that cannot be opened is
    dropped; a failing task raises, and RQ retries it with backoff."""
    try:
        task = _container().task_courier().deliver(sealed)
    except ValueError:
        log.error("task dropped: the sealed value cannot be opened or names no task")  # noqa: TRY400
        return
    log.info("task done", extra={"task": task})


def build_export(export_id: str) -> None:
    """Build one export. An error propagates, so RQ retries with backoff; after the last
    retry :func:`export_job_failed` gives it up."""
    done = _container().build_export()(ExportId(UUID(export_id)))
    log.info("export job finished", extra={"export_id": export_id, "completed": done})


def export_job_failed(
    job: Job,
    connection: Any,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    *_: Any,
) -> None:
    """RQ's failure callback, run after every failed try: an error in the job, or a job
    the registry cleanup found abandoned by a dead worker. While retries are left RQ
    runs it again; after the last one the export becomes ``failed`` with a reason code."""
    if exc_value is None or isinstance(exc_value, AbandonedJobError):
        _give_up_export(job, FailureReason.WORKER_LOST)
    else:
        _give_up_export(job, reason_for(exc_value))


def work_horse_killed(job: Job, pid: int, status: int, usage: Any) -> None:
    """RQ calls no failure callback when a work-horse dies (a SIGKILL, the OOM killer):
    on the last try the export is given up here, in the worker process."""
    if job.func_name == f"{__name__}.build_export":
        _give_up_export(job, FailureReason.WORKER_LOST)


def _give_up_export(job: Job, reason: FailureReason) -> None:
    if job.retries_left:
        return
    export_id = ExportId(UUID(str(job.args[0])))
    if _container().fail_export()(export_id, reason):
        log.warning("export failed", extra={"export_id": str(export_id), "reason": reason.value})
