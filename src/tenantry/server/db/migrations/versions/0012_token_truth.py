"""Token truth: refresh-token families carry their absolute end; a code names the family it
started (so a replayed code can revoke it); refresh tokens are found by organization

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(
            sa.Column("family_expires_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True)
        )
    # tokens issued before: their family ends when they do (they lived 30 days at most)
    op.execute("UPDATE refresh_tokens SET family_expires_at = expires_at")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.alter_column(
            "family_expires_at", existing_type=tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False
        )
        batch.create_index("ix_refresh_tokens_organization_id", ["organization_id"])
    with op.batch_alter_table("authorization_codes") as batch:
        batch.add_column(sa.Column("refresh_family_id", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authorization_codes") as batch:
        batch.drop_column("refresh_family_id")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_index("ix_refresh_tokens_organization_id")
        batch.drop_column("family_expires_at")
