"""Every rate limit of the API in one table (SECURITY RL-01), and the step that applies it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from application.ports.ephemeral import Decision, Limit, RateLimiter, Toll
from application.ports.security import NetworkHasher
from domain.errors import RateLimitedError


class Rule(StrEnum):
    API = "api"
    REGISTER = "register"
    LOGIN = "login"
    LOGIN_FAILURES = "login-failures"
    VERIFY = "verify"
    RESEND = "resend"
    FORGOT = "forgot"
    RESET = "reset"
    REFRESH = "refresh"
    MFA = "mfa"
    MFA_FAILURES = "mfa-failures"
    SMS_COOLDOWN = "sms-cooldown"
    SMS_PER_PHONE = "sms-phone"
    SMS_PER_ADDRESS = "sms-address"
    SMS_GLOBAL = "sms-global"
    UPLOAD = "upload"
    EXPORTS = "exports"


LIMITS: Mapping[Rule, Limit] = {
    Rule.API: Limit(capacity=300, period=60),
    Rule.REGISTER: Limit(capacity=10, period=3600),
    Rule.LOGIN: Limit(capacity=30, period=300),
    Rule.LOGIN_FAILURES: Limit(capacity=10, period=900),
    Rule.VERIFY: Limit(capacity=20, period=900),
    Rule.RESEND: Limit(capacity=5, period=900),
    Rule.FORGOT: Limit(capacity=5, period=900),
    Rule.RESET: Limit(capacity=10, period=900),
    Rule.REFRESH: Limit(capacity=60, period=60),
    Rule.MFA: Limit(capacity=30, period=300),
    Rule.MFA_FAILURES: Limit(capacity=20, period=900),
    Rule.SMS_COOLDOWN: Limit(capacity=1, period=30),
    Rule.SMS_PER_PHONE: Limit(capacity=10, period=86_400),
    Rule.SMS_PER_ADDRESS: Limit(capacity=20, period=3600),
    Rule.SMS_GLOBAL: Limit(capacity=1000, period=3600),
    Rule.UPLOAD: Limit(capacity=30, period=3600),
    Rule.EXPORTS: Limit(capacity=5, period=86_400),
}
"""Per client address unless named otherwise; ``login-failures`` is per (account, address):
failed passwords slow that address down on that account while the owner, elsewhere,
still signs in. The rules in :data:`PER_SUBJECT` ignore the address: ``mfa-failures`` caps
second-factor guesses per account across every sign-in attempt and resend (SECURITY
RL-03); ``sms-cooldown`` is per account, ``sms-phone`` per (account, number), ``sms-global`` one
bucket for the whole service, so SMS pumping runs dry whatever the attacker's address.
``exports`` is per account and counts exports actually started (a 409 costs nothing)."""

PER_SUBJECT = frozenset(
    {Rule.MFA_FAILURES, Rule.SMS_COOLDOWN, Rule.SMS_PER_PHONE, Rule.SMS_GLOBAL, Rule.EXPORTS}
)


class Throttle:
    def __init__(
        self,
        limiter: RateLimiter,
        network: NetworkHasher,
        scale: float = 1.0,
    ) -> None:
        self._limiter = limiter
        self._network = network
        self._limits = {
            rule: Limit(capacity=max(1, round(limit.capacity * scale)), period=limit.period)
            for rule, limit in LIMITS.items()
        }

    def key(self, rule: Rule, ip: str, subject: str = "") -> str:
        if rule in PER_SUBJECT:
            return f"{rule.value}:{subject}"
        suffix = f":{subject}" if subject else ""
        address = self._network.limiter_key(ip)
        return address if rule is Rule.API else f"{rule.value}:{address}{suffix}"

    def charge(self, rule: Rule, ip: str, subject: str = "") -> None:
        """Spend one unit, or raise ``RateLimitedError`` having spent nothing."""
        self._raise_if_refused(
            rule, self._limiter.acquire(self.key(rule, ip, subject), self._limits[rule])
        )

    def toll(self, rule: Rule, ip: str) -> Toll:
        """One unit of ``rule`` for ``ip``, for a read that spends it in its own round trip
        and raises ``RateLimitedError`` as ``charge`` would (``LiveSessions``)."""
        return Toll(self.key(rule, ip), self._limits[rule], bucket=rule.value)

    def check(self, rule: Rule, ip: str, subject: str = "") -> None:
        """Raise ``RateLimitedError`` if the bucket is full, without spending."""
        decision = self._limiter.probe(self.key(rule, ip, subject), self._limits[rule])
        self._raise_if_refused(rule, decision)

    def spend(self, rule: Rule, ip: str, subject: str = "") -> None:
        """Record one unit after the fact (a failure); never raises."""
        self._limiter.acquire(self.key(rule, ip, subject), self._limits[rule])

    def forgive(self, rule: Rule, ip: str, subject: str = "") -> None:
        self._limiter.clear(self.key(rule, ip, subject))

    @staticmethod
    def _raise_if_refused(rule: Rule, decision: Decision) -> None:
        if not decision.allowed:
            raise RateLimitedError(decision.retry_after, bucket=rule.value)
