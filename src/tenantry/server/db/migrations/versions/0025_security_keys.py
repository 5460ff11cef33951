"""Security keys: WebAuthn credentials kept as users' second factors, apart from passkeys (SPEC §13)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base
from tenantry.server.db.base import JsonDocument

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, tenantry.server.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "security_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("transports", JsonDocument, nullable=True),
        sa.Column("name", sa.String(length=80), nullable=False),
        _at("created_at"),
        _at("last_used_at", True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_security_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_keys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_security_keys_credential_id")),
    )
    op.create_index(op.f("ix_security_keys_user_id"), "security_keys", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_security_keys_user_id"), table_name="security_keys")
    op.drop_table("security_keys")
