"""Sending a code by SMS, with every brake against SMS pumping (SECURITY SM-02).

One send costs a unit from four buckets: the account's cool-down (one per 30 s), the
number's daily cap, the client address and one bucket for the whole service. A refused
send sends nothing and issues no code; the message itself leaves off the request path.
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
        self._throttle.charge(Rule.SMS_COOLDOWN, client.ip, str(user_id))
        self._throttle.charge(
            Rule.SMS_PER_PHONE, client.ip, self._digester.keyed(phone.value, "sms-phone")
        )
        self._throttle.charge(Rule.SMS_PER_ADDRESS, client.ip)
        self._throttle.charge(Rule.SMS_GLOBAL, client.ip, "all")
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
