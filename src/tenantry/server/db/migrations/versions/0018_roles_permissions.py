"""Roles and permissions (SPEC §9): the catalogue, organization roles, memberships holding
roles by id (the old ``memberships.roles`` name list moves to ``membership_roles``), and
membership ``metadata``

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tenantry.server.db.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

# Frozen copies of domain/roles.py at the time of this migration.
BUILTIN_PERMISSIONS = {
    "tenantry:members:read": "See the organization's members on the hosted pages.",
    "tenantry:members:invite": "Invite people to the organization on the hosted pages.",
    "tenantry:members:manage": "Change members' roles, remove members, resend and revoke invitations.",
    "tenantry:organization:manage": "Change the organization's settings on the hosted pages.",
}
BUILTIN_ROLES = {
    "admin": ("Admin", "Manages the organization and its members.", list(BUILTIN_PERMISSIONS)),
    "member": ("Member", "A member of the organization.", []),
}


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(13)}"


def upgrade() -> None:
    utc = tenantry.server.db.base.UTCDateTime(timezone=True)
    permissions = op.create_table(
        "permissions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(2000), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("updated_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_permissions"),
        sa.UniqueConstraint("name", name="uq_permissions_name"),
    )
    roles = op.create_table(
        "roles",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("organization_id", sa.String(40), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(2000), nullable=False),
        sa.Column("extends_id", sa.String(40), nullable=True),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("default_creator", sa.Boolean(), nullable=False),
        sa.Column("default_member", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("updated_at", utc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_roles"),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name="fk_roles_organization_id_organizations", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["extends_id"], ["roles.id"], name="fk_roles_extends_id_roles"),
        sa.UniqueConstraint("organization_id", "name", name="uq_roles_organization_id_name"),
    )
    op.create_index("ix_roles_organization_id", "roles", ["organization_id"])
    op.create_index("ix_roles_extends_id", "roles", ["extends_id"])
    op.create_index(
        "ix_roles_environment_name",
        "roles",
        ["name"],
        unique=True,
        sqlite_where=sa.text("organization_id IS NULL"),
        postgresql_where=sa.text("organization_id IS NULL"),
    )
    role_permissions = op.create_table(
        "role_permissions",
        sa.Column("role_id", sa.String(40), nullable=False),
        sa.Column("permission_id", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("role_id", "permission_id", name="pk_role_permissions"),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name="fk_role_permissions_role_id_roles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["permission_id"],
            ["permissions.id"],
            name="fk_role_permissions_permission_id_permissions",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_role_permissions_permission_id", "role_permissions", ["permission_id"])
    membership_roles = op.create_table(
        "membership_roles",
        sa.Column("membership_id", sa.String(40), nullable=False),
        sa.Column("role_id", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("membership_id", "role_id", name="pk_membership_roles"),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["memberships.id"],
            name="fk_membership_roles_membership_id_memberships",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], name="fk_membership_roles_role_id_roles"),
    )
    op.create_index("ix_membership_roles_role_id", "membership_roles", ["role_id"])

    now = datetime.now(UTC)
    permission_ids = {name: _id("perm") for name in BUILTIN_PERMISSIONS}
    op.bulk_insert(
        permissions,
        [
            {
                "id": pid,
                "name": name,
                "description": BUILTIN_PERMISSIONS[name],
                "builtin": True,
                "created_at": now,
                "updated_at": now,
            }
            for name, pid in permission_ids.items()
        ],
    )
    role_ids = {name: _id("role") for name in BUILTIN_ROLES}
    op.bulk_insert(
        roles,
        [
            {
                "id": rid,
                "organization_id": None,
                "name": name,
                "display_name": BUILTIN_ROLES[name][0],
                "description": BUILTIN_ROLES[name][1],
                "extends_id": None,
                "builtin": True,
                "default_creator": name == "admin",
                "default_member": name == "member",
                "created_at": now,
                "updated_at": now,
            }
            for name, rid in role_ids.items()
        ],
    )
    op.bulk_insert(
        role_permissions,
        [
            {"role_id": role_ids[role], "permission_id": permission_ids[permission]}
            for role, (_, _, granted) in BUILTIN_ROLES.items()
            for permission in granted
        ],
    )

    # Existing memberships: their role names become references to the built-in roles.
    bind = op.get_bind()
    old = sa.table("memberships", sa.column("id", sa.String), sa.column("roles", JSON))
    links: list[dict[str, object]] = []
    for membership_id, names in bind.execute(sa.select(old.c.id, old.c.roles)):
        kept = [name for name in dict.fromkeys(names or []) if name in role_ids] or ["member"]
        links.extend(
            {"membership_id": membership_id, "role_id": role_ids[name], "position": position}
            for position, name in enumerate(kept)
        )
    if links:
        op.bulk_insert(membership_roles, links)
    op.execute("ALTER TABLE memberships DROP COLUMN roles")
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("metadata", JSON, nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("roles", JSON, nullable=False, server_default=sa.text("'[]'")))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT mr.membership_id, r.name FROM membership_roles mr JOIN roles r ON r.id = mr.role_id "
            "ORDER BY mr.membership_id, mr.position"
        )
    )
    names: dict[str, list[str]] = {}
    for membership_id, name in rows:
        names.setdefault(membership_id, []).append(name)
    table = sa.table("memberships", sa.column("id", sa.String), sa.column("roles", JSON))
    for membership_id, held in names.items():
        bind.execute(table.update().where(table.c.id == membership_id).values(roles=held))
    op.execute("ALTER TABLE memberships DROP COLUMN metadata")
    op.drop_table("membership_roles")
    op.drop_table("role_permissions")
    op.drop_index("ix_roles_environment_name", table_name="roles")
    op.drop_table("roles")
    op.drop_table("permissions")
