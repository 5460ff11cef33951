"""Organizations' session policy (absolute and idle timeouts of their members' sessions,
``NULL`` = the application's) and default member role (a role id, ``NULL`` = the
environment's default member role; no foreign key, since roles already point at
organizations: deleting a role an organization names is refused instead); a browser
session's idle expiry. Scalekit's ``…/session-policy`` and ``…/roles:set_defaults`` (issue 24).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("session_absolute_timeout_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("session_idle_timeout_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("default_member_role_id", sa.String(40), nullable=True))
    with op.batch_alter_table("browser_sessions") as batch:
        batch.add_column(
            sa.Column("idle_expires_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("browser_sessions") as batch:
        batch.drop_column("idle_expires_at")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("default_member_role_id")
        batch.drop_column("session_idle_timeout_minutes")
        batch.drop_column("session_absolute_timeout_minutes")
