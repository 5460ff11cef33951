from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class DirectoryUser(Base):
    """A SCIM User of one directory, linked to the Tenantry user it provisions. ``document``
    is the resource as the identity provider last sent it (values kept exactly as sent);
    the columns beside it are what filters search."""

    __tablename__ = "directory_users"
    __table_args__ = (
        UniqueConstraint("directory_id", "user_name_key"),
        UniqueConstraint("directory_id", "external_id"),
        UniqueConstraint("directory_id", "user_id"),
        Index("ix_directory_users_directory_id_email_key", "directory_id", "email_key"),
        Index("ix_directory_users_directory_id_updated_at", "directory_id", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    directory_id: Mapped[str] = mapped_column(String(40), ForeignKey("directories.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_name: Mapped[str] = mapped_column(String(320))
    user_name_key: Mapped[str] = mapped_column(String(320))
    external_id: Mapped[str | None] = mapped_column(String(255))
    email_key: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # The directory created the Tenantry user (rather than linking an existing one).
    created_user: Mapped[bool] = mapped_column(default=False)
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
