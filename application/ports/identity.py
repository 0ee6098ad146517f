"""What the request says about the device it comes from, and where it is."""

from collections.abc import Mapping
from typing import Protocol

from domain.sessions import DeviceInfo, Location
from domain.values import PhoneNumber


class UserAgentParser(Protocol):
    def parse(self, user_agent: str) -> DeviceInfo:
        """Browser, OS and device families; unknown parts are None. Never raises."""
        ...


class PhoneNumberParser(Protocol):
    def parse(self, raw: str, field: str = "phone") -> PhoneNumber:
        """A valid, possible number in E.164; raises ``ValidationFailedError`` naming
        ``field`` otherwise. Only international form (``+`` and country code) is taken."""
        ...


class GeoLocator(Protocol):
    def locate(self, ip: str, hints: Mapping[str, str]) -> Location:
        """Country, city and time zone of the client, from a database or from headers a
        trusted proxy set (``hints``: only the headers the operator named); an empty
        ``Location`` when the source does not know. Never guesses, never raises."""
        ...
