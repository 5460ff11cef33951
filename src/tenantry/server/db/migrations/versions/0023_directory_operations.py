"""The provisioning log: each SCIM write a directory made and how it ended (issue 21)

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UTC = tenantry.server.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "directory_operations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("directory_id", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("resource_type", sa.String(length=16), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_directory_operations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name=op.f("fk_directory_operations_directory_id_directories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_operations")),
    )
    op.create_index(
        "ix_directory_operations_organization_id_id", "directory_operations", ["organization_id", "id"], unique=False
    )
    op.create_index(
        "ix_directory_operations_directory_id_id", "directory_operations", ["directory_id", "id"], unique=False
    )
    op.create_index("ix_directory_operations_created_at", "directory_operations", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_directory_operations_created_at", table_name="directory_operations")
    op.drop_index("ix_directory_operations_directory_id_id", table_name="directory_operations")
    op.drop_index("ix_directory_operations_organization_id_id", table_name="directory_operations")
    op.drop_table("directory_operations")
