"""API clients' token generation: management access tokens are signed and name it, and are
no longer stored one row each (issue 18). Clients that exist already get generation ``0``,
and so do clients an old process creates between ``tenantry migrate`` and its restart (the
server default stays: docs/production.md, upgrades); the tokens stored before stay good until
they expire.

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_clients") as batch:
        batch.add_column(sa.Column("token_generation", sa.String(32), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("api_clients") as batch:
        batch.drop_column("token_generation")
