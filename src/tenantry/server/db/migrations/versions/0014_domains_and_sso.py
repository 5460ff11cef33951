"""Organization domains (SPEC §10) and SSO connections, identities and requests (§11); how a session signed in

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tenantry.server.db.base
from tenantry.server.db.base import JsonDocument

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, tenantry.server.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("domain_join", sa.String(length=8), nullable=False, server_default="off"))
        batch.add_column(sa.Column("sso_required", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("browser_sessions") as batch:
        batch.add_column(sa.Column("amr", JsonDocument, nullable=True))
        batch.add_column(sa.Column("connection_id", sa.String(length=40), nullable=True))
    op.create_table(
        "organization_domains",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("domain_type", sa.String(length=32), nullable=False),
        sa.Column("verification_status", sa.String(length=16), nullable=False),
        sa.Column("verification_method", sa.String(length=16), nullable=True),
        sa.Column("txt_record_secret", sa.String(length=128), nullable=False),
        sa.Column("verified_domain", sa.String(length=253), nullable=True),
        _at("last_checked_at", True),
        _at("verified_at", True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_domains_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_domains")),
        sa.UniqueConstraint("organization_id", "domain", name=op.f("uq_organization_domains_organization_id_domain")),
        sa.UniqueConstraint("verified_domain", name=op.f("uq_organization_domains_verified_domain")),
    )
    op.create_index(op.f("ix_organization_domains_organization_id"), "organization_domains", ["organization_id"])
    op.create_index(op.f("ix_organization_domains_domain"), "organization_domains", ["domain"])
    op.create_table(
        "sso_connections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("ui_button_title", sa.String(length=200), nullable=True),
        sa.Column("config", JsonDocument, nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("attribute_mapping", JsonDocument, nullable=False),
        sa.Column("default_roles", JsonDocument, nullable=False),
        sa.Column("group_roles", JsonDocument, nullable=False),
        sa.Column("idp_initiated_enabled", sa.Boolean(), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sso_connections_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_connections")),
    )
    op.create_index(op.f("ix_sso_connections_organization_id"), "sso_connections", ["organization_id"])
    op.create_table(
        "user_identities",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("connection_id", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=512), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        _at("created_at"),
        _at("last_login_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_identities_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sso_connections.id"],
            name=op.f("fk_user_identities_connection_id_sso_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_identities")),
        sa.UniqueConstraint("connection_id", "subject", name=op.f("uq_user_identities_connection_id_subject")),
    )
    op.create_index(op.f("ix_user_identities_user_id"), "user_identities", ["user_id"])
    op.create_index(op.f("ix_user_identities_connection_id"), "user_identities", ["connection_id"])
    op.create_table(
        "sso_requests",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("connection_id", sa.String(length=40), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=True),
        sa.Column("code_verifier", sa.String(length=128), nullable=True),
        sa.Column("saml_request_id", sa.String(length=128), nullable=True),
        sa.Column("next_url", sa.Text(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        _at("created_at"),
        _at("expires_at"),
        _at("used_at", True),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sso_connections.id"],
            name=op.f("fk_sso_requests_connection_id_sso_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_sso_requests")),
    )
    op.create_index(op.f("ix_sso_requests_connection_id"), "sso_requests", ["connection_id"])
    op.create_index(op.f("ix_sso_requests_saml_request_id"), "sso_requests", ["saml_request_id"])
    op.create_index(op.f("ix_sso_requests_expires_at"), "sso_requests", ["expires_at"])
    op.create_table(
        "saml_assertions_seen",
        sa.Column("connection_id", sa.String(length=40), nullable=False),
        sa.Column("assertion_id", sa.String(length=128), nullable=False),
        _at("expires_at"),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["sso_connections.id"],
            name=op.f("fk_saml_assertions_seen_connection_id_sso_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "assertion_id", name=op.f("pk_saml_assertions_seen")),
    )
    op.create_index(op.f("ix_saml_assertions_seen_expires_at"), "saml_assertions_seen", ["expires_at"])


def downgrade() -> None:
    op.drop_table("saml_assertions_seen")
    op.drop_table("sso_requests")
    op.drop_table("user_identities")
    op.drop_table("sso_connections")
    op.drop_table("organization_domains")
    with op.batch_alter_table("browser_sessions") as batch:
        batch.drop_column("connection_id")
        batch.drop_column("amr")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("sso_required")
        batch.drop_column("domain_join")
