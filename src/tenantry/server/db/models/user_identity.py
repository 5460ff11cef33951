from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class UserIdentity(Base):
    """One way a user signs in besides the password: an SSO connection's subject (SAML
    NameID, OIDC ``sub``). One user, many identities; one identity, one user."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("connection_id", "subject"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("sso_connections.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(512))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime]
