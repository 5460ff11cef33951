"""browser sessions, e-mail codes, server secrets

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate writes JSONB(astext_type=Text()))

import tenantry.server.db.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )
    op.create_table(
        "email_codes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_codes")),
    )
    with op.batch_alter_table("email_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_codes_secret_hash"), ["secret_hash"], unique=False)
        batch_op.create_index("ix_email_codes_user_purpose", ["user_id", "purpose"], unique=False)

    op.create_table(
        "browser_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("created_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_browser_sessions_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_browser_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_browser_sessions")),
        sa.UniqueConstraint("id", name=op.f("uq_browser_sessions_id")),
    )
    with op.batch_alter_table("browser_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_browser_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_browser_sessions_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_browser_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("browser_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_browser_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_browser_sessions_organization_id"))
        batch_op.drop_index(batch_op.f("ix_browser_sessions_expires_at"))

    op.drop_table("browser_sessions")
    with op.batch_alter_table("email_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_email_codes_user_purpose")
        batch_op.drop_index(batch_op.f("ix_email_codes_secret_hash"))

    op.drop_table("email_codes")
    op.drop_table("server_secrets")
