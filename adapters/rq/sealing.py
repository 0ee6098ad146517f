"""Notices travel through Redis sealed: no code, token or address sits there in clear (CR-04)."""

from __future__ import annotations

import json
from typing import TypeGuard

from application.ports.messaging import Notice, NoticeKind, Notifier
from application.ports.security import SecretBox


def seal_notice(box: SecretBox, notice: Notice) -> str:
    payload = {"kind": notice.kind.value, "to": notice.to, "params": dict(notice.params)}
    return box.seal(json.dumps(payload, separators=(",", ":")).encode())


def open_notice(box: SecretBox, sealed: str) -> Notice:
    """Raises ``ValueError`` when the box cannot open it or it is not a notice."""
    payload = json.loads(box.open(sealed))
    kind = payload.get("kind") if isinstance(payload, dict) else None
    to = payload.get("to") if isinstance(payload, dict) else None
    params = payload.get("params") if isinstance(payload, dict) else None
    if not isinstance(kind, str) or not isinstance(to, str) or not is_text_mapping(params):
        raise ValueError("the sealed value is not a notice")
    return Notice(NoticeKind(kind), to, dict(params))


def is_text_mapping(params: object) -> TypeGuard[dict[str, str]]:
    return isinstance(params, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in params.items()
    )


class SealedNoticeCourier:
    """The worker's side of :class:`~adapters.rq.notifier.QueuedNotifier`: open, then send."""

    def __init__(self, box: SecretBox, notifier: Notifier) -> None:
        self._box = box
        self._notifier = notifier

    def deliver(self, sealed: str) -> Notice:
        """Raise ``ValueError`` for a value no retry can open; anything else may be retried."""
        notice = open_notice(self._box, sealed)
        self._notifier.send(notice)
        return notice
