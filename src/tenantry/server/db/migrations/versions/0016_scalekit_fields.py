"""Scalekit's fields (SPEC §15): organization slug, logo, region and feature settings; user profile
preferred username, gender, groups and identity-provider attributes

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("slug", sa.String(length=253), nullable=True))
        batch.add_column(sa.Column("logo_url", sa.String(length=1024), nullable=True))
        batch.add_column(sa.Column("region_code", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("features", _JSON, nullable=False, server_default="{}"))
        batch.create_unique_constraint("uq_organizations_slug", ["slug"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("preferred_username", sa.String(length=512), nullable=True))
        batch.add_column(sa.Column("gender", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("groups", _JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("profile_metadata", _JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("profile_metadata")
        batch.drop_column("groups")
        batch.drop_column("gender")
        batch.drop_column("preferred_username")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_constraint("uq_organizations_slug", type_="unique")
        batch.drop_column("features")
        batch.drop_column("region_code")
        batch.drop_column("logo_url")
        batch.drop_column("slug")
