from __future__ import annotations

import time

import pytest

from adapters.system.user_agents import UaParserUserAgentParser
from domain.sessions import USER_AGENT_LIMIT

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(scope="module")
def parser() -> UaParserUserAgentParser:
    return UaParserUserAgentParser()


def test_chrome_on_windows(parser: UaParserUserAgentParser) -> None:
    device = parser.parse(CHROME_WINDOWS)
    assert (device.browser, device.os, device.device) == ("Chrome", "Windows", None)
    assert device.user_agent == CHROME_WINDOWS


def test_safari_on_an_iphone(parser: UaParserUserAgentParser) -> None:
    device = parser.parse(IPHONE_SAFARI)
    assert (device.browser, device.os, device.device) == ("Mobile Safari", "iOS", "iPhone")


@pytest.mark.parametrize("garbage", ["", "garbage", "\x00\r\n<script>alert(1)</script>"])
def test_unknown_agents_give_unknown_families(
    parser: UaParserUserAgentParser, garbage: str
) -> None:
    device = parser.parse(garbage)
    assert (device.browser, device.os, device.device) == (None, None, None)
    assert device.user_agent == garbage


def test_a_10_kb_agent_is_cut_before_parsing_and_never_raises(
    parser: UaParserUserAgentParser,
) -> None:
    hostile = IPHONE_SAFARI + "\r\nX: <script>" + "(" * 10_000
    started = time.perf_counter()
    device = parser.parse(hostile)
    assert time.perf_counter() - started < 1
    assert len(device.user_agent) == USER_AGENT_LIMIT
    assert device.os == "iOS"
