from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class SsoRequest(Base):
    """One sign-in sent to an identity provider, waiting for its answer: the OIDC ``state``
    (stored as a digest), nonce and PKCE verifier, or the SAML AuthnRequest ID that the
    response's InResponseTo must name. It belongs to an SSO connection (``connection_id``) or
    to a social connection (``social_connection_id``). Consumed once, by a conditional UPDATE."""

    __tablename__ = "sso_requests"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    connection_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("sso_connections.id", ondelete="CASCADE"), index=True
    )
    social_connection_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("social_connections.id", ondelete="CASCADE"), index=True
    )
    nonce: Mapped[str | None] = mapped_column(String(128))
    code_verifier: Mapped[str | None] = mapped_column(String(128))
    saml_request_id: Mapped[str | None] = mapped_column(String(128), index=True)
    next_url: Mapped[str] = mapped_column(Text)
    test: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
