"""One durable outbox: e-mails wait in ``emails`` until sent (attempts, next try, lease,
the sealed message while it waits), and e-mails asked for on the request path are written
there too (status ``requested``) before the answer, so a crash loses none (issue 15).
PostgreSQL: users ANALYZEd, so the planner has statistics for the trigram index's
expression (made by 0009; without them it guessed 10 rows for every search and read all
10,000 matches of a common word to show 25: issue 16). ``spent_invitation_links``: why a
link stopped working (used, replaced, revoked), by its digest, for its page (issue 16)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spent_invitation_links",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("organization_id", sa.String(40), nullable=False),
        sa.Column("ended_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_spent_invitation_links")),
    )
    with op.batch_alter_table("emails") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("next_attempt_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("lease_until", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sealed", sa.Text(), nullable=True))
        batch.create_index("ix_emails_status_next_attempt_at", ["status", "next_attempt_at"])
    # Mail left "queued" by the old in-memory sender never kept its body: it cannot be sent now.
    op.execute(
        "UPDATE emails SET status = 'failed', error = 'not sent before the upgrade (the message was not kept)' "
        "WHERE status = 'queued'"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ANALYZE users")


def downgrade() -> None:
    op.drop_table("spent_invitation_links")
    op.execute("DELETE FROM emails WHERE status = 'requested'")
    with op.batch_alter_table("emails") as batch:
        batch.drop_index("ix_emails_status_next_attempt_at")
        batch.drop_column("sealed")
        batch.drop_column("lease_until")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
