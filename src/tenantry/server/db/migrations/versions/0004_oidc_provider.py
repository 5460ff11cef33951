"""OpenID Connect provider: applications, signing keys, codes, refresh tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import tenantry.server.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "redirect_uris", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "post_logout_redirect_uris",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column(
            "private_jwk", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "authorization_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=True),
        sa.Column("session_id", sa.String(length=40), nullable=True),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("nonce", sa.String(length=255), nullable=True),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=16), nullable=True),
        sa.Column("auth_time", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["applications.id"],
            name=op.f("fk_authorization_codes_client_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_authorization_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_authorization_codes")),
    )
    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authorization_codes_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_authorization_codes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=True),
        sa.Column("session_id", sa.String(length=40), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("auth_time", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", tenantry.server.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["applications.id"],
            name=op.f("fk_refresh_tokens_client_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_tokens")),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_tokens_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_tokens_family_id"), ["family_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_tokens_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_session_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_family_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_client_id"))

    op.drop_table("refresh_tokens")
    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorization_codes_user_id"))
        batch_op.drop_index(batch_op.f("ix_authorization_codes_client_id"))

    op.drop_table("authorization_codes")
    op.drop_table("signing_keys")
    op.drop_table("applications")
