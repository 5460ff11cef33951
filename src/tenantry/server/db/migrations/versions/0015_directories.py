"""Directories (SCIM 2.0, SPEC §12): directories, their users, groups and group members

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC = tenantry.server.db.base.UTCDateTime(timezone=True)
JSON = tenantry.server.db.base.JsonDocument


def upgrade() -> None:
    op.create_table(
        "directories",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret_id", sa.String(length=40), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("secret_suffix", sa.String(length=8), nullable=True),
        sa.Column("secret_created_at", UTC, nullable=True),
        sa.Column("secret_last_used_at", UTC, nullable=True),
        sa.Column("role_assignments", JSON, nullable=False),
        sa.Column("attribute_mappings", JSON, nullable=False),
        sa.Column("last_synced_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_directories_organization_id_organizations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directories"),
    )
    op.create_index("ix_directories_organization_id", "directories", ["organization_id"])
    op.create_table(
        "directory_users",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("directory_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("user_name", sa.String(length=320), nullable=False),
        sa.Column("user_name_key", sa.String(length=320), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("email_key", sa.String(length=320), nullable=True),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_user", sa.Boolean(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"], ["directories.id"], name="fk_directory_users_directory_id_directories", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_directory_users_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_directory_users"),
        sa.UniqueConstraint("directory_id", "user_name_key", name="uq_directory_users_directory_id_user_name_key"),
        sa.UniqueConstraint("directory_id", "external_id", name="uq_directory_users_directory_id_external_id"),
        sa.UniqueConstraint("directory_id", "user_id", name="uq_directory_users_directory_id_user_id"),
    )
    op.create_index("ix_directory_users_user_id", "directory_users", ["user_id"])
    op.create_index("ix_directory_users_directory_id_email_key", "directory_users", ["directory_id", "email_key"])
    op.create_index("ix_directory_users_directory_id_updated_at", "directory_users", ["directory_id", "updated_at"])
    op.create_table(
        "directory_groups",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("directory_id", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("display_name_key", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("document", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["directory_id"],
            ["directories.id"],
            name="fk_directory_groups_directory_id_directories",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_groups"),
        sa.UniqueConstraint(
            "directory_id", "display_name_key", name="uq_directory_groups_directory_id_display_name_key"
        ),
    )
    op.create_index("ix_directory_groups_directory_id_updated_at", "directory_groups", ["directory_id", "updated_at"])
    op.create_table(
        "directory_group_members",
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("directory_user_id", sa.String(length=40), nullable=False),
        sa.Column("display", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["directory_groups.id"],
            name="fk_directory_group_members_group_id_directory_groups",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["directory_user_id"],
            ["directory_users.id"],
            name="fk_directory_group_members_directory_user_id_directory_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "directory_user_id", name="pk_directory_group_members"),
    )
    op.create_index("ix_directory_group_members_directory_user_id", "directory_group_members", ["directory_user_id"])


def downgrade() -> None:
    op.drop_table("directory_group_members")
    op.drop_table("directory_groups")
    op.drop_table("directory_users")
    op.drop_table("directories")
