from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class SamlAssertionSeen(Base):
    """Assertion IDs already accepted, kept until the assertion would have expired: the
    primary key refuses the same assertion twice (replay), on every server process."""

    __tablename__ = "saml_assertions_seen"

    connection_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("sso_connections.id", ondelete="CASCADE"), primary_key=True
    )
    assertion_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
