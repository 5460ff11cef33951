from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class BrowserSession(Base):
    """A signed-in browser on the hosted pages. The cookie holds a random token; only its
    digest is stored, so deleting the row signs the browser out everywhere at once."""

    __tablename__ = "browser_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)  # public: the OIDC "sid"
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip_address: Mapped[str | None] = mapped_column(String(45))  # where it signed in from (IPv6 at most 45)
    # How the user signed in (RFC 8176 ``amr`` values; ``fed`` for SSO) and through which SSO connection
    amr: Mapped[list[Any] | None]
    connection_id: Mapped[str | None] = mapped_column(String(40))
    acr: Mapped[str | None] = mapped_column(String(100))  # domain/mfa.py: single factor or MFA
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # When inactivity ends it (the organization's session policy, domain/session_policy.py);
    # NULL: no idle timeout. Moved forward whenever last_seen_at is.
    idle_expires_at: Mapped[datetime | None]
