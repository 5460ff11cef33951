"""Progressive lock-out of password sign-in: failed-password history per e-mail address

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_lockouts",
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("locked_until", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("email_key", name=op.f("pk_login_lockouts")),
    )


def downgrade() -> None:
    op.drop_table("login_lockouts")
