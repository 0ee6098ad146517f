"""Where a request comes from, as far as the transport could tell."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClientContext:
    """``ip`` is the client address after trusted-proxy handling; never stored raw."""

    ip: str
    user_agent: str = ""
