"""Multi-factor authentication (SPEC §13): users' TOTP factors and recovery codes, sign-ins
waiting for their second factor, organizations' ``mfa_required``, sessions' ``acr``, and
administrators' TOTP

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenantry.server.db.base

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    utc = tenantry.server.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "mfa_factors",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("secret_encrypted", sa.String(400), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("confirmed_at", utc, nullable=True),
        sa.Column("last_used_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_mfa_factors_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_mfa_factors"),
    )
    op.create_index("ix_mfa_factors_user_id", "mfa_factors", ["user_id"])
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("used_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_recovery_codes_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_recovery_codes"),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])
    op.create_table(
        "pending_sign_ins",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("organization_id", sa.String(40), nullable=True),
        sa.Column("user_agent", sa.String(300), nullable=True),
        sa.Column("amr", JSON, nullable=False),
        sa.Column("replaces_session_id", sa.String(40), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_pending_sign_ins_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_pending_sign_ins"),
    )
    op.create_index("ix_pending_sign_ins_user_id", "pending_sign_ins", ["user_id"])
    op.create_index("ix_pending_sign_ins_expires_at", "pending_sign_ins", ["expires_at"])
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("mfa_required", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("browser_sessions") as batch:
        batch.add_column(sa.Column("acr", sa.String(100), nullable=True))
    with op.batch_alter_table("admins") as batch:
        batch.add_column(sa.Column("totp_secret_encrypted", sa.String(400), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("totp_confirmed_at", utc, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("admins") as batch:
        batch.drop_column("totp_confirmed_at")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret_encrypted")
    with op.batch_alter_table("browser_sessions") as batch:
        batch.drop_column("acr")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("mfa_required")
    op.drop_table("pending_sign_ins")
    op.drop_table("recovery_codes")
    op.drop_table("mfa_factors")
