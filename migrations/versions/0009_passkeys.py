"""Passkeys: the seed's ``passkey_credentials`` plus a name, and each user's handle.

``passkey_credentials.id`` is the credential id as unpadded base64url (WebAuthn allows up
to 1023 bytes, hence 1366 characters rather than the seed's 255); ``counter`` is a BIGINT
(the signature counter is an unsigned 32-bit number). ``passkey_user_handles`` keeps the
64 random bytes every passkey of a user carries as its user handle, made at the user's
first registration: never the email or the id. Both go with their user (ON DELETE
CASCADE).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def _at(name: str, *, nullable: bool = True, now: bool = False) -> sa.Column[object]:
    default = sa.func.current_timestamp() if now else None
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=default)


def upgrade() -> None:
    op.create_table(
        "passkey_credentials",
        sa.Column("id", sa.String(1366), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("counter", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("device_type", sa.String(50), nullable=False),
        sa.Column("backed_up", sa.Boolean(), server_default=sa.text("false"), nullable=True),
        sa.Column("transports", _JSON, nullable=True),
        _at("created_at", nullable=False, now=True),
        _at("last_used_at"),
        sa.CheckConstraint(
            "device_type IN ('single_device', 'multi_device')",
            name=op.f("ck_passkey_credentials_device_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_passkey_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkey_credentials")),
    )
    op.create_index(op.f("ix_passkey_credentials_user_id"), "passkey_credentials", ["user_id"])
    op.create_table(
        "passkey_user_handles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("handle", sa.LargeBinary(64), nullable=False),
        _at("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_passkey_user_handles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_passkey_user_handles")),
        sa.UniqueConstraint("handle", name=op.f("uq_passkey_user_handles_handle")),
    )


def downgrade() -> None:
    op.drop_table("passkey_user_handles")
    op.drop_table("passkey_credentials")
