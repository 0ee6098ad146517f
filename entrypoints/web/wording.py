"""Times, sizes, devices and places as a person reads them; the template filters.

Times are shown in UTC and say so: a page has no way to know the reader's zone without
script, and a wrong local time is worse than an honest UTC one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from application.results import SessionView
from domain.sessions import Location
from entrypoints.http.api import container

_MINUTE, _HOUR, _DAY = 60, 3600, 86_400
_KB = 1024
_HIGH_TRUST, _LOW_TRUST = 70, 40
_METHODS = {
    "totp": "Authenticator app",
    "sms": "Text messages",
    "backup_code": "Backup codes",
    "passkey": "Passkeys",
}


def when(moment: datetime | None) -> str:
    """ "7 Dec 2026, 16:05 UTC"."""
    if moment is None:
        return "never"
    at = moment.astimezone(UTC)
    return f"{at.day} {at:%b %Y, %H:%M} UTC"


def day(moment: datetime | None) -> str:
    """ "7 Dec 2026"."""
    if moment is None:
        return ""
    at = moment.astimezone(UTC)
    return f"{at.day} {at:%b %Y}"


def ago(moment: datetime | None) -> str:
    """ "just now", "5 minutes ago", "yesterday", "12 days ago", or the day itself."""
    if moment is None:
        return "never"
    seconds = int((container().clock().now() - moment).total_seconds())
    if seconds < _MINUTE:
        return "just now"
    for limit, unit, name in ((_HOUR, _MINUTE, "minute"), (_DAY, _HOUR, "hour")):
        if seconds < limit:
            return _count(seconds // unit, name) + " ago"
    if seconds < 2 * _DAY:
        return "yesterday"
    return _count(seconds // _DAY, "day") + " ago" if seconds < 30 * _DAY else f"on {day(moment)}"


def days_left(moment: datetime) -> str:
    """ "3 days left", "less than a day left"."""
    seconds = int((moment - container().clock().now()).total_seconds())
    if seconds < _DAY:
        return "less than a day left"
    return _count(seconds // _DAY, "day") + " left"


def size(count: int | None) -> str:
    """ "840 bytes", "12 KB", "3.4 MB"."""
    if count is None:
        return ""
    if count < _KB:
        return f"{count} bytes"
    if count < _KB * _KB:
        return f"{count / _KB:.0f} KB"
    return f"{count / (_KB * _KB):.1f} MB"


def device(browser: str | None, os: str | None) -> str:
    """ "Firefox on Linux", "Safari", "An unknown browser"."""
    if browser and os:
        return f"{browser} on {os}"
    return browser or (f"A browser on {os}" if os else "An unknown device")


def session_device(view: SessionView) -> str:
    return device(view.browser, view.os)


def trust_word(score: int) -> str:
    """The trust score in a word; it changes what we tell the person, never a step."""
    if score >= _HIGH_TRUST:
        return "high"
    return "medium" if score >= _LOW_TRUST else "low"


def trust_class(score: int) -> str:
    return {"high": "badge-ok", "medium": "badge-warn", "low": "badge-danger"}[trust_word(score)]


def method_name(method: str) -> str:
    return _METHODS.get(method, method)


def same_origin_path(url: str) -> str:
    """A URL of this site (a picture's, the API's link page) as a path: the console's
    policy admits its own origin only, and the public URL may name the same server
    differently."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def place(location: Location | None) -> str | None:
    """ "Berlin, DE", "DE", or None when no source placed the sign-in."""
    if location is None or not (location.city or location.country):
        return None
    return ", ".join(part for part in (location.city, location.country) if part)


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"
