"""custom user attributes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenantry.server.db.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_attributes",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("collect_on_signup", sa.Boolean(), nullable=False),
        sa.Column("user_editable", sa.Boolean(), nullable=False),
        sa.Column(
            "options", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("min_length", sa.Integer(), nullable=True),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("minimum", sa.Double(), nullable=True),
        sa.Column("maximum", sa.Double(), nullable=True),
        sa.Column("pattern", sa.String(length=500), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_user_attributes")),
    )
    if op.get_context().dialect.name == "postgresql":
        # Filtering users by attribute (custom_attributes @> '{"key": value}') uses this index.
        op.create_index(
            "ix_users_custom_attributes",
            "users",
            ["custom_attributes"],
            postgresql_using="gin",
            postgresql_ops={"custom_attributes": "jsonb_path_ops"},
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.drop_index("ix_users_custom_attributes", table_name="users")
    op.drop_table("user_attributes")
