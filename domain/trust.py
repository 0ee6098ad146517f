"""The trust score of a new device session: a pure function of server-side signals.

It changes notices and emphasis only; it never skips or weakens a required factor, and no
client header feeds it. Start at 40 and move by what the server knows:

| signal                                   | points |
|------------------------------------------|--------|
| device (browser, OS, device) seen before | +25    |
| network (/24 or /48 prefix) seen before  | +15    |
| second factor or passkey used            | +20    |
| account older than 30 days               | +10    |
| sign-in from a country not seen before   | -20    |
| wrong passwords since the last sign-in   | -5 each, at most -30 |

"Seen before" means any earlier session of the user, revoked ones included, until the
expired-session sweep deletes it. A country counts as new only when a geolocation source
placed this sign-in *and* earlier sessions of the user with a known country exist, none
of them in this one: without a source, or on a first sign-in, nothing is "new".

A new session scoring below ``BASTION_SUSPICIOUS_TRUST_BELOW`` (default 40) is recorded
as ``session.suspicious`` and the user is mailed a "new sign-in" notice. Nothing else
follows from the score: every factor the account has is still asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

BASELINE = 40
MAX_FAILURE_PENALTY = 30
ESTABLISHED_ACCOUNT_DAYS = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class TrustSignals:
    known_device: bool = False
    known_network: bool = False
    second_factor: bool = False
    new_country: bool = False
    recent_failures: int = 0
    account_age_days: int = 0


def trust_score(signals: TrustSignals) -> int:
    score = BASELINE
    score += 25 if signals.known_device else 0
    score += 15 if signals.known_network else 0
    score += 20 if signals.second_factor else 0
    score += 10 if signals.account_age_days > ESTABLISHED_ACCOUNT_DAYS else 0
    score -= 20 if signals.new_country else 0
    score -= min(MAX_FAILURE_PENALTY, 5 * max(0, signals.recent_failures))
    return max(0, min(100, score))


def concerns(signals: TrustSignals) -> tuple[str, ...]:
    """What counted against the sign-in, for the security log (no personal data)."""
    found = (
        ("new_device", not signals.known_device),
        ("new_network", not signals.known_network),
        ("new_country", signals.new_country),
        ("recent_failures", signals.recent_failures > 0),
    )
    return tuple(name for name, present in found if present)
