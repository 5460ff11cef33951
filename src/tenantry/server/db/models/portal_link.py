from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class PortalLink(Base):
    """A link to the admin portal for one organization's IT administrator (SPEC §14).

    Only the keyed digest of the link's token is kept (``token_hash``, HMAC-SHA256 under a
    server key): the link itself is shown once, to the application that created it.
    """

    __tablename__ = "portal_links"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    features: Mapped[list[Any]]
    embeddable: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
