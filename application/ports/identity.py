"""What the request says about the device it comes from."""

from typing import Protocol

from domain.sessions import DeviceInfo
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
