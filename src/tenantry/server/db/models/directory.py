from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class Directory(Base):
    """An organization's SCIM 2.0 directory (SPEC §12): the customer's identity provider
    pushes users and groups into it with the bearer token whose keyed digest is kept here."""

    __tablename__ = "directories"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    provider: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(default=True)
    # The one live bearer token: its HMAC-SHA256 digest (server key), never the token.
    secret_id: Mapped[str | None] = mapped_column(String(40))
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    secret_suffix: Mapped[str | None] = mapped_column(String(8))
    secret_created_at: Mapped[datetime | None]
    secret_last_used_at: Mapped[datetime | None]
    # [{"group_id": ..., "role_name": ...}] and [{"key": ..., "map_to": ...}]
    role_assignments: Mapped[list[Any]] = mapped_column(default=list)
    attribute_mappings: Mapped[list[Any]] = mapped_column(default=list)
    last_synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
