"""Where a request comes from, as far as the transport could tell."""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ClientContext:
    """``ip`` is the client address after trusted-proxy handling; never stored raw.
    ``location_hints`` holds the location headers the operator named, and only when a
    proxy is trusted to set them (``BASTION_GEO_*_HEADER``); otherwise it is empty."""

    ip: str
    user_agent: str = ""
    location_hints: Mapping[str, str] = field(default_factory=dict)
