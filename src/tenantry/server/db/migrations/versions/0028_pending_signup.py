"""Pending sign-ups: a hosted sign-up with an address that already has an account keeps the
password typed (an argon2 hash), the address (a keyed digest) and the e-mailed code (a keyed
digest) for a day, so that logging in with that password reaches the same code step as after
a sign-up with a new address (issue 15 item 7; services/identity/pending_signups.py).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = tenantry.server.db.base.UTCDateTime(timezone=True)
    op.create_table(
        "pending_sign_ups",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("address_hash", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_expires_at", utc, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("codes_sent", sa.Integer(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("expires_at", utc, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_pending_sign_ups_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_pending_sign_ups"),
    )
    op.create_index("ix_pending_sign_ups_user_id", "pending_sign_ups", ["user_id"])
    op.create_index("ix_pending_sign_ups_expires_at", "pending_sign_ups", ["expires_at"])


def downgrade() -> None:
    op.drop_table("pending_sign_ups")
