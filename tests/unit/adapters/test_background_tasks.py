from __future__ import annotations

import threading
import zlib
from collections.abc import Mapping

import pytest
import redis
from rq.job import Job

from adapters.notify.background import ThreadedTasks
from adapters.rq.queues import RqQueues
from adapters.rq.tasks import JOB, QueuedTasks, SealedTaskCourier, open_task, seal_task
from adapters.security.secret_box import FernetSecretBox
from domain.errors import UnavailableError
from tests.fixtures.redis import free_port

EMAIL = "canary.bob@example.com"


def test_a_queued_task_holds_no_payload_in_clear(
    queue_redis_url: str, box: FernetSecretBox
) -> None:
    queues = RqQueues(queue_redis_url)
    before = set(queues.default.get_job_ids())
    QueuedTasks(queues, box).defer("send_password_reset", {"email": EMAIL})
    [job_id] = set(queues.default.get_job_ids()) - before
    connection = redis.Redis.from_url(queue_redis_url)
    job = Job.fetch(job_id, connection=connection)
    assert job.func_name == JOB
    assert job.id.startswith("task-")
    stored: dict[bytes, bytes] = connection.hgetall(job.key)  # type: ignore[assignment]
    raw = b"".join(stored.values()) + zlib.decompress(stored[b"data"])
    assert b"canary.bob" not in raw
    assert open_task(box, job.args[0]) == ("send_password_reset", {"email": EMAIL})
    job.delete()


def test_the_courier_runs_what_it_opens_and_refuses_the_rest(box: FernetSecretBox) -> None:
    ran: list[tuple[str, Mapping[str, str]]] = []
    courier = SealedTaskCourier(box, lambda task, payload: ran.append((task, payload)))
    assert courier.deliver(seal_task(box, "send_verification", {"email": EMAIL})) == (
        "send_verification"
    )
    assert ran == [("send_verification", {"email": EMAIL})]
    for forged in ("forged", box.seal(b'{"task": 1, "payload": {}}'), box.seal(b"[]")):
        with pytest.raises(ValueError, match=r"cannot be opened|not a task"):
            courier.deliver(forged)
    assert len(ran) == 1


def test_redis_being_away_is_a_503(box: FernetSecretBox) -> None:
    tasks = QueuedTasks(RqQueues(f"redis://127.0.0.1:{free_port()}/0"), box)
    with pytest.raises(UnavailableError):
        tasks.defer("send_verification", {"email": EMAIL})


def test_threaded_tasks_run_off_the_callers_thread_and_retry() -> None:
    ran: list[str] = []
    failures = iter([RuntimeError("database away")])
    caller = threading.get_ident()

    def run(task: str, payload: Mapping[str, str]) -> None:
        assert threading.get_ident() != caller
        failure = next(failures, None)
        if failure:
            raise failure
        ran.append(payload["email"])

    tasks = ThreadedTasks(run, backoff=0.01)
    tasks.defer("send_verification", {"email": EMAIL})
    assert tasks.flush(5)
    assert ran == [EMAIL]
