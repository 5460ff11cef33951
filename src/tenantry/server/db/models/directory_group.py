from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class DirectoryGroup(Base):
    """A SCIM Group of one directory. Its members are ``directory_group_members`` rows;
    ``document`` keeps the other attributes as sent."""

    __tablename__ = "directory_groups"
    __table_args__ = (
        UniqueConstraint("directory_id", "display_name_key"),
        Index("ix_directory_groups_directory_id_updated_at", "directory_id", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    directory_id: Mapped[str] = mapped_column(String(40), ForeignKey("directories.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(255))
    display_name_key: Mapped[str] = mapped_column(String(255))
    external_id: Mapped[str | None] = mapped_column(String(255))
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DirectoryGroupMember(Base):
    __tablename__ = "directory_group_members"

    group_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("directory_groups.id", ondelete="CASCADE"), primary_key=True
    )
    directory_user_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("directory_users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The member's ``display`` as the provider sent it (echoed back unchanged).
    display: Mapped[str | None] = mapped_column(String(255))
