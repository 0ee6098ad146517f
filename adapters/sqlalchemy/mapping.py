"""Rows to entities and back. Domain classes are never mapped: each read builds a fresh
entity, so a caller mutating it changes nothing until it is saved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from adapters.sqlalchemy.rows import (
    BackupCodeRow,
    DeletedTaskRow,
    EventRow,
    ExportRow,
    FactorRow,
    RefreshTokenRow,
    SessionRow,
    TaskRow,
    UserRow,
)
from domain.events import AccountEvent, EventType
from domain.exports import Export, ExportStatus, FailureReason
from domain.factors import BackupCode, FactorKind, SecondFactor
from domain.ids import EventId, ExportId, FactorId, RefreshTokenId, SessionId, TaskId, UserId
from domain.passwords import PasswordHash
from domain.refresh_tokens import RefreshToken
from domain.sessions import (
    AuthMethod,
    DeviceInfo,
    DeviceSession,
    Location,
    NetworkInfo,
    RevokeReason,
    SessionStatus,
    VerificationStatus,
)
from domain.tasks import DeletedTask, Task
from domain.users import Role, User, UserStatus
from domain.values import EmailAddress, PersonName, PhoneNumber


def user_to_row(user: User) -> UserRow:
    return UserRow(
        id=user.id,
        email=user.email.value,
        email_verified=user.email_verified,
        email_verified_at=user.email_verified_at,
        phone=user.phone.value if user.phone else None,
        phone_verified=user.phone_verified,
        phone_verified_at=user.phone_verified_at,
        first_name=user.first_name.value,
        last_name=user.last_name.value,
        display_name=user.display_name.value if user.display_name else None,
        avatar_url=user.avatar_url,
        avatar_key=user.avatar_key,
        avatar_size=user.avatar_size,
        avatar_mime_type=user.avatar_mime_type,
        status=user.status.value,
        role=user.role.value,
        meta=dict(user.metadata),
        created_at=user.created_at,
        updated_at=user.updated_at,
        last_login_at=user.last_login_at,
        password_hash=user.password.value if user.password else None,
        password_scheme=user.password.scheme if user.password else None,
        failed_login_count=user.failed_login_count,
        failed_mfa_count=user.failed_mfa_count,
        totp_enabled=user.totp_enabled,
    )


def user_from_row(row: UserRow | Row[Any]) -> User:
    password = None
    if row.password_hash is not None:
        password = PasswordHash(scheme=row.password_scheme or "", value=row.password_hash)
    return User(
        id=UserId(row.id),
        email=EmailAddress(row.email),
        first_name=PersonName(row.first_name),
        last_name=PersonName(row.last_name),
        created_at=row.created_at,
        updated_at=row.updated_at,
        password=password,
        email_verified=row.email_verified,
        email_verified_at=row.email_verified_at,
        phone=PhoneNumber(row.phone) if row.phone else None,
        phone_verified=row.phone_verified,
        phone_verified_at=row.phone_verified_at,
        display_name=PersonName(row.display_name) if row.display_name else None,
        avatar_url=row.avatar_url,
        avatar_key=row.avatar_key,
        avatar_size=row.avatar_size,
        avatar_mime_type=row.avatar_mime_type,
        status=UserStatus(row.status),
        role=Role(row.role),
        metadata=dict(row.meta or {}),
        last_login_at=row.last_login_at,
        failed_login_count=row.failed_login_count,
        failed_mfa_count=row.failed_mfa_count,
        totp_enabled=bool(row.totp_enabled),
    )


def session_to_row(session: DeviceSession) -> SessionRow:
    return SessionRow(
        id=session.id,
        user_id=session.user_id,
        status=session.status.value,
        user_agent=session.device.user_agent,
        ip_hash=session.network.ip_hash,
        ip_prefix=session.network.ip_prefix,
        browser=session.device.browser,
        os=session.device.os,
        device=session.device.device,
        location_country=session.location.country,
        location_city=session.location.city,
        location_timezone=session.location.timezone,
        trust_score=session.trust_score,
        verification_status=session.verification.value,
        auth_methods=[method.value for method in session.methods],
        created_at=session.created_at,
        expires_at=session.expires_at,
        last_activity_at=session.last_activity_at,
        revoked_at=session.revoked_at,
        revoked_reason=session.revoked_reason.value if session.revoked_reason else None,
        meta=dict(session.metadata),
    )


def session_from_row(row: SessionRow) -> DeviceSession:
    return DeviceSession(
        id=SessionId(row.id),
        user_id=UserId(row.user_id),
        device=DeviceInfo(row.user_agent, row.browser, row.os, row.device),
        network=NetworkInfo(ip_hash=row.ip_hash, ip_prefix=row.ip_prefix or ""),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_activity_at=row.last_activity_at,
        methods=tuple(AuthMethod(method) for method in row.auth_methods),
        trust_score=row.trust_score,
        verification=VerificationStatus(row.verification_status),
        location=Location(row.location_country, row.location_city, row.location_timezone),
        status=SessionStatus(row.status),
        revoked_at=row.revoked_at,
        revoked_reason=RevokeReason(row.revoked_reason) if row.revoked_reason else None,
        metadata=dict(row.meta or {}),
    )


def token_to_row(token: RefreshToken) -> RefreshTokenRow:
    return RefreshTokenRow(
        id=token.id,
        session_id=token.session_id,
        user_id=token.user_id,
        token_hash=token.token_hash,
        parent_id=token.parent_id,
        created_at=token.created_at,
        expires_at=token.expires_at,
        rotated_at=token.rotated_at,
        revoked_at=token.revoked_at,
    )


def token_from_row(row: RefreshTokenRow) -> RefreshToken:
    return RefreshToken(
        id=RefreshTokenId(row.id),
        session_id=SessionId(row.session_id),
        user_id=UserId(row.user_id),
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        parent_id=RefreshTokenId(row.parent_id) if row.parent_id else None,
        rotated_at=row.rotated_at,
        revoked_at=row.revoked_at,
    )


def event_to_row(event: AccountEvent) -> EventRow:
    return EventRow(
        id=event.id,
        user_id=event.user_id,
        type=event.type.value,
        meta=dict(event.metadata),
        session_id=event.session_id,
        occurred_at=event.occurred_at,
    )


def event_from_row(row: EventRow | Row[Any]) -> AccountEvent:
    return AccountEvent(
        id=EventId(row.id),
        type=EventType(row.type),
        user_id=UserId(row.user_id) if row.user_id else None,
        session_id=SessionId(row.session_id) if row.session_id else None,
        metadata=dict(row.meta or {}),
        occurred_at=row.occurred_at,
    )


def factor_to_row(factor: SecondFactor) -> FactorRow:
    return FactorRow(
        id=factor.id,
        user_id=factor.user_id,
        kind=factor.kind.value,
        secret=factor.secret,
        phone=factor.phone.value if factor.phone else None,
        last_step=factor.last_step,
        last_used_at=factor.last_used_at,
        created_at=factor.created_at,
    )


def factor_from_row(row: FactorRow) -> SecondFactor:
    return SecondFactor(
        id=FactorId(row.id),
        user_id=UserId(row.user_id),
        kind=FactorKind(row.kind),
        created_at=row.created_at,
        secret=row.secret,
        phone=PhoneNumber(row.phone) if row.phone else None,
        last_step=row.last_step,
        last_used_at=row.last_used_at,
    )


def backup_code_to_row(code: BackupCode) -> BackupCodeRow:
    return BackupCodeRow(
        id=code.id,
        user_id=code.user_id,
        code_hash=code.code_hash,
        created_at=code.created_at,
        used_at=code.used_at,
    )


def task_to_row(task: Task) -> TaskRow:
    return TaskRow(
        id=task.id,
        user_id=task.user_id,
        title=task.title,
        description=task.description,
        completed=task.completed,
        due_at=task.due_at,
        created_at=task.created_at,
        updated_at=task.updated_at,
    )


def task_from_row(row: TaskRow) -> Task:
    return Task(
        id=TaskId(row.id),
        user_id=UserId(row.user_id),
        title=row.title,
        description=row.description,
        completed=row.completed,
        due_at=row.due_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def deleted_task_to_row(deleted: DeletedTask) -> DeletedTaskRow:
    return DeletedTaskRow(
        id=deleted.id,
        user_id=deleted.user_id,
        data=dict(deleted.data),
        deleted_by=deleted.deleted_by,
        deleted_at=deleted.deleted_at,
        restorable_until=deleted.restorable_until,
    )


def deleted_task_from_row(row: DeletedTaskRow) -> DeletedTask:
    return DeletedTask(
        id=TaskId(row.id),
        user_id=UserId(row.user_id),
        data=dict(row.data),
        deleted_by=UserId(row.deleted_by),
        deleted_at=row.deleted_at,
        restorable_until=row.restorable_until,
    )


def export_to_row(export: Export) -> ExportRow:
    return ExportRow(
        id=export.id,
        user_id=export.user_id,
        status=export.status.value,
        attempts=export.attempts,
        file_key=export.file_key,
        size_bytes=export.size_bytes,
        failure_reason=export.failure_reason.value if export.failure_reason else None,
        created_at=export.created_at,
        updated_at=export.updated_at,
        completed_at=export.completed_at,
        expires_at=export.expires_at,
    )


def export_from_row(row: ExportRow) -> Export:
    return Export(
        id=ExportId(row.id),
        user_id=UserId(row.user_id),
        status=ExportStatus(row.status),
        attempts=row.attempts,
        file_key=row.file_key,
        size_bytes=row.size_bytes,
        failure_reason=FailureReason(row.failure_reason) if row.failure_reason else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        expires_at=row.expires_at,
    )
