"""Memberships: inactive (suspended or deprovisioned, keeping the record without a seat) and provisioning method

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("deactivated_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("provisioning_method", sa.String(length=20), nullable=False, server_default="api"))
    # Memberships that began with an invitation say so; the creator of an organization made by
    # sign-up is recorded as "api" (the two cannot be told apart afterwards).
    op.execute("UPDATE memberships SET provisioning_method = 'invitation' WHERE invited_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("provisioning_method")
        batch.drop_column("deactivated_at")
