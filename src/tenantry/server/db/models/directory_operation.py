from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class DirectoryOperation(Base):
    """One SCIM write a directory's identity provider made (SPEC §12, §14: the provisioning
    log), and how it ended: written after the call, in a transaction of its own, so a call
    that was refused and rolled back is in the log too. Reads (GET) are not logged."""

    __tablename__ = "directory_operations"
    __table_args__ = (
        Index("ix_directory_operations_organization_id_id", "organization_id", "id"),
        Index("ix_directory_operations_directory_id_id", "directory_id", "id"),
        Index("ix_directory_operations_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # time-ordered: newest last
    organization_id: Mapped[str] = mapped_column(String(40), ForeignKey("organizations.id", ondelete="CASCADE"))
    directory_id: Mapped[str] = mapped_column(String(40), ForeignKey("directories.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(8))  # POST | PUT | PATCH | DELETE
    resource_type: Mapped[str] = mapped_column(String(16))  # User | Group | Bulk | other
    resource_id: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(255))  # userName / displayName, as sent
    status: Mapped[int] = mapped_column(Integer)  # the HTTP status answered
    outcome: Mapped[str] = mapped_column(String(64))  # created | updated | deleted | an error code
    message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
