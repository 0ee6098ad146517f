"""Typed ids. Each is a UUID made by the IdGenerator port, never by the domain."""

from typing import NewType
from uuid import UUID

UserId = NewType("UserId", UUID)
SessionId = NewType("SessionId", UUID)
RefreshTokenId = NewType("RefreshTokenId", UUID)
EventId = NewType("EventId", UUID)
FactorId = NewType("FactorId", UUID)
BackupCodeId = NewType("BackupCodeId", UUID)
TaskId = NewType("TaskId", UUID)
ExportId = NewType("ExportId", UUID)
