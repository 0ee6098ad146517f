from __future__ import annotations

import re
import zlib

import pytest
import redis
from rq.job import Job

from adapters.rq.notifier import JOB, QueuedNotifier
from adapters.rq.queues import RqQueues
from adapters.rq.sealing import SealedNoticeCourier, open_notice, seal_notice
from adapters.security.secret_box import FernetSecretBox
from application.ports.messaging import Notice, NoticeKind
from domain.errors import UnavailableError
from tests.fixtures.redis import free_port

ADDRESS = "canary.ann@example.com"
CODE = "314159"
NOTICE = Notice(NoticeKind.VERIFY_EMAIL, ADDRESS, {"first_name": "Ann", "code": CODE})


def test_a_queued_notice_holds_nothing_in_clear_and_opens_in_the_worker(
    queue_redis_url: str, box: FernetSecretBox
) -> None:
    queues = RqQueues(queue_redis_url)
    before = set(queues.default.get_job_ids())
    QueuedNotifier(queues, box).send(NOTICE)
    connection = redis.Redis.from_url(queue_redis_url)
    [job_id] = set(queues.default.get_job_ids()) - before
    job = Job.fetch(job_id, connection=connection)
    assert re.fullmatch(r"notice-[0-9a-f]{32}", job.id)
    assert job.func_name == JOB
    assert job.kwargs == {}
    [sealed] = job.args
    assert open_notice(box, sealed) == NOTICE
    stored: dict[bytes, bytes] = connection.hgetall(job.key)  # type: ignore[assignment]
    raw = b"".join(stored.values()) + zlib.decompress(stored[b"data"])
    for secret in (ADDRESS, CODE, "canary.ann"):
        assert secret.encode() not in raw
    assert job.retries_left == 5
    assert job.retry_intervals == [5, 15, 60, 300, 900]
    assert job.result_ttl == 0
    assert job.failure_ttl == 86_400
    job.delete()


def test_every_job_gets_a_fresh_id(queue_redis_url: str, box: FernetSecretBox) -> None:
    queues = RqQueues(queue_redis_url)
    before = set(queues.default.get_job_ids())
    notifier = QueuedNotifier(queues, box)
    notifier.send(NOTICE)
    notifier.send(NOTICE)
    new = set(queues.default.get_job_ids()) - before
    assert len(new) == 2
    for job_id in new:
        Job.fetch(job_id, connection=redis.Redis.from_url(queue_redis_url)).delete()


def test_redis_being_away_is_a_503_not_a_crash(box: FernetSecretBox) -> None:
    notifier = QueuedNotifier(RqQueues(f"redis://127.0.0.1:{free_port()}/0"), box)
    with pytest.raises(UnavailableError):
        notifier.send(NOTICE)


def test_queues_take_a_connector_exposing_its_url(queue_redis_url: str) -> None:
    class Connector:
        url = queue_redis_url

    queues = RqQueues(Connector())
    assert queues.default.name == "default"
    assert queues.exports.name == "exports"
    assert queues.default is queues.queue("default")


def test_sealing_round_trips_and_refuses_what_is_not_a_notice(box: FernetSecretBox) -> None:
    assert open_notice(box, seal_notice(box, NOTICE)) == NOTICE
    for payload in (b"[]", b'{"kind": "nope", "to": "a", "params": {}}', b'{"to": 1}'):
        with pytest.raises(ValueError, match=r"notice|NoticeKind|valid"):
            open_notice(box, box.seal(payload))
    with pytest.raises(ValueError, match="cannot be opened"):
        open_notice(box, "forged")


def test_the_courier_sends_what_it_opens_and_nothing_it_cannot(box: FernetSecretBox) -> None:
    sent: list[Notice] = []

    class Outbox:
        def send(self, notice: Notice) -> None:
            sent.append(notice)

    courier = SealedNoticeCourier(box, Outbox())
    assert courier.deliver(seal_notice(box, NOTICE)) == NOTICE
    with pytest.raises(ValueError, match="cannot be opened"):
        courier.deliver("forged")
    assert sent == [NOTICE]
