"""Sending a code by SMS, with every brake against SMS pumping (SECURITY SM-02).

One send costs a unit from four buckets: the account's cool-down (one per 30 s), a daily
cap per (account, number) — so nobody can spend another account's allowance for its
number — the client address, and one bucket for the whole service. Every bucket is
checked before any is charged, so a refused send sends nothing, issues no code and costs
nothing; the message itself leaves off the request path.
"""

from __future__ import annotations

from datetime import timedelta

from application.common.client import ClientContext
from application.common.codes import OneTimeCodes
from application.common.throttle import Rule, Throttle
from application.ports.messaging import SmsSender, TextMessage
from application.ports.security import Digester
from application.ports.system import Clock
from domain.ids import UserId
from domain.values import PhoneNumber


class SmsCodes:
    def __init__(
        self, throttle: Throttle, sender: SmsSender, digester: Digester, clock: Clock
    ) -> None:
        self._throttle = throttle
        self._sender = sender
        self._digester = digester
        self._clock = clock

    def send(
        self,
        codes: OneTimeCodes,
        *,
        subject: str,
        phone: PhoneNumber,
        user_id: UserId,
        client: ClientContext,
        purpose: str,
    ) -> None:
        number = self._digester.keyed(f"{user_id}:{phone.value}", "sms-phone")
        buckets = [
            (Rule.SMS_COOLDOWN, str(user_id)),
            (Rule.SMS_PER_PHONE, number),
            (Rule.SMS_PER_ADDRESS, ""),
            (Rule.SMS_GLOBAL, "all"),
        ]
        for rule, subject_key in buckets:
            self._throttle.check(rule, client.ip, subject_key)
        for rule, subject_key in buckets:
            self._throttle.charge(rule, client.ip, subject_key)
        code = codes.issue(subject, phone.value)
        minutes = codes.ttl_seconds // 60
        expires = self._clock.now() + timedelta(seconds=codes.ttl_seconds)
        self._sender.send(
            TextMessage(
                to=phone.value,
                body=f"{code} is your Bastion {purpose} code. It expires in {minutes} minutes.",
                expires_at=int(expires.timestamp()),
            )
        )
