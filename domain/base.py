"""The base of every entity: identity equality, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(eq=False, slots=True, kw_only=True)
class Entity:
    """Two entities are the same when their ids are, whatever their other fields say."""

    id: UUID

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "id", None) == self.id

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id))


def require(condition: bool, error: Exception) -> None:
    """Raise ``error`` unless ``condition`` holds: keeps guard clauses to one line."""
    if not condition:
        raise error


def clip(text: Any, limit: int) -> str:
    """Untrusted text cut to ``limit`` characters (user agents, device names)."""
    return str(text)[:limit]
