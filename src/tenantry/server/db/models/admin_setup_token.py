from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class AdminSetupToken(Base):
    """A one-time link that lets the first administrator create their account (printed by
    ``tenantry serve`` while no administrator exists). Stored as a digest; used once."""

    __tablename__ = "admin_setup_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
