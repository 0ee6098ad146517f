"""Time and ids come from outside so the core stays deterministic under test."""

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class IdGenerator(Protocol):
    def new(self) -> UUID:
        """A fresh, unique, time-ordered id (UUIDv7), good as a primary key."""
        ...
