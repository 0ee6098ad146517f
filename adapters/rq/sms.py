"""Queue text messages for the worker, sealed: no number or code sits in Redis in clear."""

from __future__ import annotations

import json
from typing import TypeGuard

from adapters.rq.queues import RqQueues
from application.ports.messaging import SmsSender, TextMessage
from application.ports.security import SecretBox
from application.ports.system import Clock

JOB = "entrypoints.worker.jobs.deliver_sms"
RETRY_INTERVALS = [5, 15, 30, 60, 120]
JOB_TIMEOUT = 30


class QueuedSmsSender(SmsSender):
    """One sealed argument per job (the worker opens it with :class:`SealedSmsCourier`),
    retried with backoff for about four minutes, past which a code has usually expired;
    results are not kept. Job ids are random (``sms-<32 hex>``). Redis being unreachable
    surfaces as ``UnavailableError`` (a 503), not as a crash."""

    def __init__(self, queues: RqQueues, box: SecretBox) -> None:
        self._queues = queues
        self._box = box

    def send(self, message: TextMessage) -> None:
        sealed = seal_text_message(self._box, message)
        self._queues.enqueue_sealed(
            JOB, sealed, kind="sms", retry_intervals=RETRY_INTERVALS, timeout=JOB_TIMEOUT
        )


class SealedSmsCourier:
    """The worker's side of :class:`QueuedSmsSender`: open, drop if expired, then send."""

    def __init__(self, box: SecretBox, sender: SmsSender, clock: Clock) -> None:
        self._box = box
        self._sender = sender
        self._clock = clock

    def deliver(self, sealed: str) -> TextMessage | None:
        """None, without sending, once ``expires_at`` has passed: a late code is useless and
        retries stop there. Raises ``ValueError`` for a value no retry can open; a failed
        send raises whatever the sender raised, so the job is retried."""
        message = open_text_message(self._box, sealed)
        if message.expires_at <= self._clock.now().timestamp():
            return None
        self._sender.send(message)
        return message


def seal_text_message(box: SecretBox, message: TextMessage) -> str:
    payload = {"to": message.to, "body": message.body, "expires_at": message.expires_at}
    return box.seal(json.dumps(payload, separators=(",", ":")).encode())


def open_text_message(box: SecretBox, sealed: str) -> TextMessage:
    """Raises ``ValueError`` when the box cannot open it or it is not a text message."""
    payload = json.loads(box.open(sealed))
    fields = payload if isinstance(payload, dict) else {}
    to, body, expires_at = fields.get("to"), fields.get("body"), fields.get("expires_at")
    if not (isinstance(to, str) and isinstance(body, str) and _epoch_seconds(expires_at)):
        raise ValueError("the sealed value is not a text message")
    return TextMessage(to=to, body=body, expires_at=expires_at)


def _epoch_seconds(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
