from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from rq.job import Job

from adapters.notify.sms import (
    ConsoleSmsSender,
    SmsWebhookError,
    ThreadedSmsSender,
    WebhookSmsSender,
)
from adapters.rq.queues import RqQueues
from adapters.rq.sms import (
    JOB,
    QueuedSmsSender,
    SealedSmsCourier,
    open_text_message,
    seal_text_message,
)
from adapters.security.secret_box import FernetSecretBox
from application.ports.messaging import SmsSender, TextMessage
from domain.errors import UnavailableError
from tests.fixtures.redis import free_port
from tests.support.clock import ManualClock

NUMBER = "+14155550123"
CODE = "271828"
CLOCK_START = int(ManualClock().now().timestamp())
MESSAGE = TextMessage(NUMBER, f"Your Bastion code is {CODE}", CLOCK_START + 300)


@dataclass
class Gateway:
    """What the fake SMS gateway answers, and what it was sent."""

    url: str = ""
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    received: list[tuple[str, str, bytes]] = field(default_factory=list)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((self.path, self.headers["Content-Type"], body))
            time.sleep(state.delay)
            self.send_response(state.status)
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms?key=k"
    yield state
    server.shutdown()
    server.server_close()


def test_the_webhook_gets_the_number_and_body_as_json(gateway: Gateway) -> None:
    WebhookSmsSender(gateway.url).send(MESSAGE)
    [(path, content_type, body)] = gateway.received
    assert path == "/sms?key=k"
    assert content_type == "application/json"
    assert json.loads(body) == {"to": NUMBER, "body": MESSAGE.body}


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_a_non_2xx_answer_raises_without_the_number_or_body(gateway: Gateway, status: int) -> None:
    gateway.status = status
    with pytest.raises(SmsWebhookError, match=str(status)) as caught:
        WebhookSmsSender(gateway.url).send(MESSAGE)
    assert NUMBER not in str(caught.value)
    assert CODE not in str(caught.value)


def test_a_redirect_is_not_followed(gateway: Gateway) -> None:
    gateway.status, gateway.headers = 302, {"Location": gateway.url}
    with pytest.raises(SmsWebhookError, match="302"):
        WebhookSmsSender(gateway.url).send(MESSAGE)
    assert len(gateway.received) == 1


def test_a_slow_gateway_times_out(gateway: Gateway) -> None:
    gateway.delay = 2.0
    started = time.monotonic()
    with pytest.raises(SmsWebhookError, match="Timeout"):
        WebhookSmsSender(gateway.url, timeout=0.2).send(MESSAGE)
    assert time.monotonic() - started < 1.5


def test_an_unreachable_gateway_raises() -> None:
    with pytest.raises(SmsWebhookError, match="ConnectionRefusedError"):
        WebhookSmsSender(f"http://127.0.0.1:{free_port()}/sms").send(MESSAGE)


@pytest.mark.parametrize("url", ["ftp://example.com/sms", "file:///etc/passwd", "/sms", ""])
def test_only_absolute_http_urls_are_taken(url: str) -> None:
    with pytest.raises(ValueError, match="http or https"):
        WebhookSmsSender(url)


def test_the_console_sender_prints_the_message_and_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        ConsoleSmsSender(stream=stream).send(MESSAGE)
    assert f"SMS to: {NUMBER!r}" in stream.getvalue()
    assert f"Your Bastion code is {CODE}" in stream.getvalue()
    assert caplog.records == []


class FlakySender(SmsSender):
    def __init__(self, failures: int, gate: threading.Event | None = None) -> None:
        self.failures = failures
        self.gate = gate
        self.calls = 0
        self.sent: list[TextMessage] = []

    def send(self, message: TextMessage) -> None:
        if self.gate is not None:
            self.gate.wait(5)
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(f"refused for {message.to}: {message.body}")
        self.sent.append(message)


def test_the_threaded_sender_returns_before_sending_and_flush_waits() -> None:
    gate = threading.Event()
    inner = FlakySender(failures=0, gate=gate)
    sender = ThreadedSmsSender(inner)
    sender.send(MESSAGE)
    assert inner.sent == []
    assert not sender.flush(timeout=0.05)
    gate.set()
    assert sender.flush(timeout=5)
    assert inner.sent == [MESSAGE]


def test_the_threaded_sender_retries_then_logs_without_number_or_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    retried = FlakySender(failures=2)
    sender = ThreadedSmsSender(retried, retries=3, backoff=0.01)
    sender.send(MESSAGE)
    assert sender.flush(timeout=5)
    assert (retried.calls, retried.sent) == (3, [MESSAGE])

    hopeless = FlakySender(failures=99)
    sender = ThreadedSmsSender(hopeless, retries=2, backoff=0.01)
    with caplog.at_level(logging.DEBUG):
        sender.send(MESSAGE)
        assert sender.flush(timeout=5)
    assert hopeless.calls == 3
    [record] = caplog.records
    logged = repr(record.__dict__) + record.getMessage()
    assert NUMBER not in logged
    assert CODE not in logged


def test_a_queued_message_is_one_sealed_argument_with_nothing_in_clear(
    queue_redis_url: str, box: FernetSecretBox
) -> None:
    queues = RqQueues(queue_redis_url)
    before = set(queues.default.get_job_ids())
    QueuedSmsSender(queues, box).send(MESSAGE)
    connection = redis.Redis.from_url(queue_redis_url)
    [job_id] = set(queues.default.get_job_ids()) - before
    job = Job.fetch(job_id, connection=connection)
    assert re.fullmatch(r"sms-[0-9a-f]{32}", job.id)
    assert job.func_name == JOB
    assert job.kwargs == {}
    [sealed] = job.args
    assert open_text_message(box, sealed) == MESSAGE
    stored: dict[bytes, bytes] = connection.hgetall(job.key)  # type: ignore[assignment]
    raw = b"".join(stored.values()) + zlib.decompress(stored[b"data"])
    for secret in (NUMBER, NUMBER[1:], "4155550123", CODE):
        assert secret.encode() not in raw
    assert job.retries_left == 5
    assert job.retry_intervals == [5, 15, 30, 60, 120]
    assert job.result_ttl == 0
    job.delete()


def test_every_queued_message_gets_a_fresh_job(queue_redis_url: str, box: FernetSecretBox) -> None:
    queues = RqQueues(queue_redis_url)
    before = set(queues.default.get_job_ids())
    sender = QueuedSmsSender(queues, box)
    sender.send(MESSAGE)
    sender.send(MESSAGE)
    new = set(queues.default.get_job_ids()) - before
    assert len(new) == 2
    for job_id in new:
        Job.fetch(job_id, connection=redis.Redis.from_url(queue_redis_url)).delete()


def test_redis_being_away_is_a_503(box: FernetSecretBox) -> None:
    sender = QueuedSmsSender(RqQueues(f"redis://127.0.0.1:{free_port()}/0"), box)
    with pytest.raises(UnavailableError):
        sender.send(MESSAGE)


@pytest.mark.parametrize(
    "payload",
    [
        b"[]",
        b'{"to": "+14155550123", "body": "x"}',
        b'{"to": 1, "body": "x", "expires_at": 1}',
        b'{"to": "+1", "body": "x", "expires_at": true}',
        b'{"to": "+1", "body": "x", "expires_at": "1"}',
    ],
)
def test_sealing_refuses_what_is_not_a_text_message(box: FernetSecretBox, payload: bytes) -> None:
    assert open_text_message(box, seal_text_message(box, MESSAGE)) == MESSAGE
    with pytest.raises(ValueError, match="not a text message"):
        open_text_message(box, box.seal(payload))


def test_the_courier_sends_fresh_messages_and_drops_expired_ones(box: FernetSecretBox) -> None:
    outbox = FlakySender(failures=0)
    clock = ManualClock()
    courier = SealedSmsCourier(box, outbox, clock)
    sealed = seal_text_message(box, MESSAGE)
    assert courier.deliver(sealed) == MESSAGE
    clock.advance(300)
    assert courier.deliver(sealed) is None
    assert outbox.sent == [MESSAGE]


def test_the_courier_lets_send_failures_through_and_refuses_forgeries(
    box: FernetSecretBox,
) -> None:
    courier = SealedSmsCourier(box, FlakySender(failures=1), ManualClock())
    with pytest.raises(ConnectionError):
        courier.deliver(seal_text_message(box, MESSAGE))
    with pytest.raises(ValueError, match="cannot be opened"):
        courier.deliver("forged")
