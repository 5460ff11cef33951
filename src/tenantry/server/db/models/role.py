from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class Permission(Base):
    """An environment-wide permission (``invoices:read``); ``tenantry:*`` ones are built in
    and name Tenantry's own powers on the hosted pages (SPEC §9)."""

    __tablename__ = "permissions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(2000), default="")
    builtin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Role(Base):
    """A role of the environment (``organization_id`` null) or of one organization.

    Memberships refer to roles by id (``membership_roles``), so renaming keeps assignments.
    ``extends_id`` names the role whose permissions this one inherits; the services keep the
    chain free of cycles. ``default_creator`` / ``default_member`` flag the environment's
    default roles (at most one each).
    """

    __tablename__ = "roles"
    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        Index(
            "ix_roles_environment_name",
            "name",
            unique=True,
            sqlite_where=text("organization_id IS NULL"),
            postgresql_where=text("organization_id IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(2000), default="")
    extends_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("roles.id"), index=True)
    builtin: Mapped[bool] = mapped_column(default=False)
    default_creator: Mapped[bool] = mapped_column(default=False)
    default_member: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RolePermission(Base):
    """A permission granted directly to a role."""

    __tablename__ = "role_permissions"

    role_id: Mapped[str] = mapped_column(String(40), ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True)
    permission_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MembershipRole(Base):
    """A role held by a membership (by id: a rename keeps it; deleting a held role needs a
    role to move its holders to)."""

    __tablename__ = "membership_roles"

    membership_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[str] = mapped_column(String(40), ForeignKey("roles.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)
