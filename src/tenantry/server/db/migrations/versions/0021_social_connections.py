"""Social and generic sign-in connections of the environment (SPEC §13): Google, Microsoft,
GitHub and any OpenID Connect / OAuth 2 provider; the identities they link to users; and
pending sign-ins (``sso_requests``) that now belong to an SSO or a social connection

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base
from tenantry.server.db.base import JsonDocument

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, tenantry.server.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "social_connections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("ui_button_title", sa.String(length=200), nullable=True),
        sa.Column("config", JsonDocument, nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_connections")),
    )
    op.create_table(
        "social_identities",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("connection_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=512), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        _at("created_at"),
        _at("last_login_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_social_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["social_connections.id"],
            name=op.f("fk_social_identities_connection_id_social_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_identities")),
        sa.UniqueConstraint("connection_id", "subject", name=op.f("uq_social_identities_connection_id_subject")),
    )
    op.create_index(op.f("ix_social_identities_user_id"), "social_identities", ["user_id"])
    op.create_index(op.f("ix_social_identities_connection_id"), "social_identities", ["connection_id"])
    with op.batch_alter_table("sso_requests") as batch:
        batch.alter_column("connection_id", existing_type=sa.String(length=40), nullable=True)
        batch.add_column(sa.Column("social_connection_id", sa.String(length=40), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sso_requests_social_connection_id_social_connections"),
            "social_connections",
            ["social_connection_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_sso_requests_social_connection_id"), ["social_connection_id"])


def downgrade() -> None:
    op.execute("DELETE FROM sso_requests WHERE connection_id IS NULL")
    with op.batch_alter_table("sso_requests") as batch:
        batch.drop_index(op.f("ix_sso_requests_social_connection_id"))
        batch.drop_constraint(op.f("fk_sso_requests_social_connection_id_social_connections"), type_="foreignkey")
        batch.drop_column("social_connection_id")
        batch.alter_column("connection_id", existing_type=sa.String(length=40), nullable=False)
    op.drop_table("social_identities")
    op.drop_table("social_connections")
