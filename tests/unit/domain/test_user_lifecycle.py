"""An administrator disables and enables accounts; nobody disables themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import AccountDisabledError, CannotDisableSelfError
from domain.events import EventType
from domain.ids import UserId
from domain.users import UserStatus
from tests.contracts.persistence_backends import a_user

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def test_disabling_records_who_did_it_once_and_blocks_sign_in() -> None:
    admin, user = a_user(), a_user(email_verified=True)

    event = user.disable(UserId(admin.id), NOW)

    assert event is not None
    assert (event.type, event.user_id, dict(event.metadata)) == (
        EventType.ACCOUNT_DISABLED,
        user.id,
        {"admin_id": str(admin.id)},
    )
    assert (user.status, user.updated_at) == (UserStatus.DISABLED, NOW)
    assert user.disable(UserId(admin.id), NOW + timedelta(seconds=1)) is None
    with pytest.raises(AccountDisabledError):
        user.check_may_sign_in(require_verified_email=True)


def test_nobody_disables_themselves() -> None:
    admin = a_user()

    with pytest.raises(CannotDisableSelfError):
        admin.disable(UserId(admin.id), NOW)
    assert admin.status is UserStatus.ACTIVE


def test_enabling_undoes_a_disable_once() -> None:
    admin, user = a_user(), a_user()
    assert user.enable(UserId(admin.id), NOW) is None
    user.disable(UserId(admin.id), NOW)

    event = user.enable(UserId(admin.id), NOW)

    assert event is not None
    assert event.type is EventType.ACCOUNT_ENABLED
    assert user.status is UserStatus.ACTIVE
