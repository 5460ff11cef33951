from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class AccessToken(Base):
    """A bearer token of the management API, kept only as its SHA-256 digest."""

    __tablename__ = "access_tokens"
    # Issuing a token deletes the client's expired ones: a range of this index, not every
    # live token of the client (issue 18; SQLite would otherwise pick the client_id index).
    __table_args__ = (Index("ix_access_tokens_client_id_expires_at", "client_id", "expires_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(128), ForeignKey("api_clients.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
