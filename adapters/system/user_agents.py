"""Browser, OS and device families from the User-Agent header (DV-03)."""

from __future__ import annotations

import logging
from functools import lru_cache

import ua_parser

from application.ports.identity import UserAgentParser
from domain.sessions import USER_AGENT_LIMIT, DeviceInfo

log = logging.getLogger(__name__)
CACHE_SIZE = 4096
_UNKNOWN = "Other"


class UaParserUserAgentParser(UserAgentParser):
    """ua-parser 1.x with its shipped regexes. The header is untrusted: it is cut to 512
    characters before any regex sees it, and a parser failure gives an all-unknown device.
    Results are cached by header, since a few browsers send most requests."""

    def parse(self, user_agent: str) -> DeviceInfo:
        clipped = str(user_agent or "")[:USER_AGENT_LIMIT]
        browser, os_family, device = _families(clipped)
        return DeviceInfo.of(clipped, browser, os_family, device)


@lru_cache(maxsize=CACHE_SIZE)
def _families(user_agent: str) -> tuple[str | None, str | None, str | None]:
    try:
        result = ua_parser.parse(user_agent)
    except Exception as exc:  # the port promises never to raise: a bug must not fail a login
        log.warning("user agent not parsed", extra={"error": type(exc).__name__})
        return None, None, None
    return (
        _known(result.user_agent.family if result.user_agent else None),
        _known(result.os.family if result.os else None),
        _known(result.device.family if result.device else None),
    )


def _known(family: str | None) -> str | None:
    return family if family and family != _UNKNOWN else None
