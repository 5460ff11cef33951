"""Access tokens indexed by (client, expiry): issuing a token deletes that client's expired
ones, which on SQLite otherwise walked every live token of the client (issue 18)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_tokens") as batch:
        batch.create_index("ix_access_tokens_client_id_expires_at", ["client_id", "expires_at"], unique=False)
        batch.drop_index("ix_access_tokens_client_id")  # the new index's prefix serves its look-ups


def downgrade() -> None:
    with op.batch_alter_table("access_tokens") as batch:
        batch.create_index("ix_access_tokens_client_id", ["client_id"], unique=False)
        batch.drop_index("ix_access_tokens_client_id_expires_at")
