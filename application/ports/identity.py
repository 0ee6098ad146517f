"""What the request says about the device it comes from."""

from typing import Protocol

from domain.sessions import DeviceInfo


class UserAgentParser(Protocol):
    def parse(self, user_agent: str) -> DeviceInfo:
        """Browser, OS and device families; unknown parts are None. Never raises."""
        ...
