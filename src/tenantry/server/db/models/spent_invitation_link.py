from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class SpentInvitationLink(Base):
    """A link that no longer works, and why (``used``, ``replaced`` by a newer invitation,
    ``revoked``), so its page can say so. Only the token's digest is kept, as for live links."""

    __tablename__ = "spent_invitation_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(16))
    organization_id: Mapped[str] = mapped_column(String(40))
    ended_at: Mapped[datetime]
