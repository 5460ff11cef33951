"""Events: indexes to count recent invitations per organization and per inviter (sending limits)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_organization_id_type_created_at", "events", ["organization_id", "type", "created_at"])
    op.create_index("ix_events_actor_id_type_created_at", "events", ["actor_id", "type", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_events_actor_id_type_created_at", table_name="events")
    op.drop_index("ix_events_organization_id_type_created_at", table_name="events")
