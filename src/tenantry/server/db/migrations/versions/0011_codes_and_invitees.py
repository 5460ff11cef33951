"""E-mailed codes: digests keyed with a secret outside the database (codes still open under
the old, unkeyed digest are ended: they would never match again, and live 10 minutes).
Memberships: the invitee's address as the inviter typed it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("memberships", sa.Column("invited_email", sa.String(length=320), nullable=True))
    _end_open_codes()


def _end_open_codes() -> None:
    codes = sa.table(
        "email_codes",
        sa.column("purpose", sa.String),
        sa.column("consumed_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        codes.update()
        .where(codes.c.purpose.in_(["login", "verify"]), codes.c.consumed_at.is_(None))
        .values(consumed_at=datetime.now(UTC))
    )


def downgrade() -> None:
    # Keyed digests do not verify under the old code either: end the open ones the same way.
    _end_open_codes()
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("invited_email")
