"""Where a provider flow may send the browser back to: ``BASTION_REDIRECT_ALLOWLIST``.

Each entry is an origin plus a path prefix. A ``redirect_uri`` passes only when its
*parsed* scheme, host (IDNA, lower-case) and port equal an entry's and its path lies under
the entry's path at a ``/`` boundary (``/cb`` admits ``/cb`` and ``/cb/x``, not ``/cbx``).
Anything a browser or a server could read differently from this parser is refused
outright: userinfo, backslashes, control or space characters, dot segments (also
percent-encoded), a fragment, a scheme-relative or non-http(s) URL (SECURITY OA-06).
A raw prefix comparison would admit ``https://app.example.com.evil.test`` or
``https://app.example.com@evil.test``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

MAX_REDIRECT_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\\\u2028\u2029]")
_HOST = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")


@dataclass(frozen=True, slots=True)
class RedirectTarget:
    """An origin and a path, as an allow-list entry names them or a redirect parses to."""

    scheme: str
    host: str
    port: int
    path: str

    def admits(self, other: RedirectTarget) -> bool:
        """Same origin, and ``other.path`` is this path or below it at a ``/`` boundary."""
        if (self.scheme, self.host, self.port) != (other.scheme, other.host, other.port):
            return False
        base = self.path.rstrip("/")
        return other.path == base or other.path.startswith(f"{base}/")


def parse_target(uri: str) -> RedirectTarget | None:
    """The origin and path of an absolute http(s) URL, or None when anything about it is
    ambiguous or unsafe. Query strings are allowed (and kept by the caller)."""
    if not uri or len(uri) > MAX_REDIRECT_LENGTH or _FORBIDDEN.search(uri):
        return None
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or parts.fragment or "#" in uri:
        return None
    if not parts.netloc or "@" in parts.netloc or parts.username or parts.password:
        return None
    host = _host(parts.hostname or "")
    path = parts.path or "/"
    if host is None or not path.startswith("/") or _has_dot_segment(path):
        return None
    return RedirectTarget(scheme, host, port or _DEFAULT_PORTS[scheme], path)


def allowed_redirect(uri: str, allowlist: tuple[RedirectTarget, ...]) -> bool:
    target = parse_target(uri)
    return target is not None and any(entry.admits(target) for entry in allowlist)


def parse_allowlist(text: str) -> tuple[RedirectTarget, ...]:
    """Comma-separated URL prefixes; ``ValueError`` naming the first one that is not an
    absolute http(s) URL with a host and nothing but a path after it."""
    entries = []
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        target = parse_target(raw)
        if target is None or urlsplit(raw).query:
            raise ValueError(f"{raw!r} is not an http(s) URL prefix (origin and path only)")
        entries.append(target)
    return tuple(entries)


def with_params(uri: str, params: dict[str, str]) -> str:
    """``uri`` with ``params`` added to its query (replacing any of the same name)."""
    parts = urlsplit(uri)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query = urlencode([*kept, *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def _host(raw: str) -> str | None:
    """IDNA-normalised and lower-cased; None for anything that is not a plain host name
    or a bracketed IPv6 literal."""
    try:
        host = raw.encode("idna").decode("ascii").lower() if raw else ""
    except UnicodeError:
        return None
    host = host.rstrip(".")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # urlsplit drops the brackets of an IPv6 literal
    return host if host and _HOST.match(host) else None


def _has_dot_segment(path: str) -> bool:
    """``.`` or ``..`` anywhere in the path, raw or percent-encoded (``%2e``), or an
    encoded slash or backslash, which some servers decode before routing."""
    decoded = unquote(path)
    if decoded != path and re.search(r"%2f|%5c", path, re.IGNORECASE):
        return True
    return any(segment in {".", ".."} for segment in decoded.split("/"))
