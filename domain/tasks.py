"""Tasks: the application data every user owns, and the trash that keeps a deleted one
restorable for a while."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.base import Entity, require
from domain.errors import RestoreExpiredError, ValidationFailedError
from domain.ids import TaskId, UserId

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 10_000


def check_title(title: str) -> str:
    require(
        len(title.strip()) > 0 and len(title) <= TITLE_LIMIT,
        ValidationFailedError({"title": [f"Between 1 and {TITLE_LIMIT} characters."]}),
    )
    return title


def check_description(description: str) -> str:
    require(
        len(description) <= DESCRIPTION_LIMIT,
        ValidationFailedError({"description": [f"At most {DESCRIPTION_LIMIT} characters."]}),
    )
    return description


@dataclass(frozen=True, slots=True)
class TaskChanges:
    """What a PATCH names; ``None`` leaves a field alone, ``clear_due_at`` removes the date."""

    title: str | None = None
    description: str | None = None
    completed: bool | None = None
    due_at: datetime | None = None
    clear_due_at: bool = False


@dataclass(eq=False, slots=True, kw_only=True)
class Task(Entity):
    id: TaskId
    user_id: UserId
    title: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    completed: bool = False
    due_at: datetime | None = None

    def __post_init__(self) -> None:
        check_title(self.title)
        check_description(self.description)

    def edit(self, changes: TaskChanges, at: datetime) -> None:
        if changes.title is not None:
            self.title = check_title(changes.title)
        if changes.description is not None:
            self.description = check_description(changes.description)
        if changes.completed is not None:
            self.completed = changes.completed
        if changes.due_at is not None or changes.clear_due_at:
            self.due_at = changes.due_at
        self.updated_at = at

    def trash(self, by: UserId, at: datetime, retention: timedelta) -> DeletedTask:
        return DeletedTask(
            id=self.id,
            user_id=self.user_id,
            data=self.to_data(),
            deleted_by=by,
            deleted_at=at,
            restorable_until=at + retention,
        )

    def to_data(self) -> dict[str, Any]:
        """The task as JSON values, exactly what a restore reads back."""
        return {
            "id": str(self.id),
            "user_id": str(self.user_id),
            "title": self.title,
            "description": self.description,
            "completed": self.completed,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Task:
        due_at = data.get("due_at")
        return cls(
            id=TaskId(UUID(data["id"])),
            user_id=UserId(UUID(data["user_id"])),
            title=data["title"],
            description=data["description"],
            completed=data["completed"],
            due_at=datetime.fromisoformat(due_at) if due_at else None,
            created_at=datetime.fromisoformat(data["created_at"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletedTask:
    """A task in the trash under its original id; ``data`` is the task as it was."""

    id: TaskId
    user_id: UserId
    deleted_by: UserId
    deleted_at: datetime
    restorable_until: datetime
    data: dict[str, Any] = field(default_factory=dict)

    def restore(self, at: datetime) -> Task:
        """The same task, same id and fields; refused once the window has passed."""
        require(at < self.restorable_until, RestoreExpiredError())
        return Task.from_data(self.data)
