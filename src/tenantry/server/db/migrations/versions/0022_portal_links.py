"""Admin portal links (SPEC §14): one organization, the features granted, a hashed token

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UTC = tenantry.server.db.base.UTCDateTime(timezone=True)
JSON = tenantry.server.db.base.JsonDocument


def upgrade() -> None:
    op.create_table(
        "portal_links",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.Column("embeddable", sa.Boolean(), nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("opened_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_portal_links_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_portal_links"),
        sa.UniqueConstraint("token_hash", name="uq_portal_links_token_hash"),
    )
    op.create_index("ix_portal_links_organization_id", "portal_links", ["organization_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_portal_links_organization_id", table_name="portal_links")
    op.drop_table("portal_links")
