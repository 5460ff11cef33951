from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class SocialConnection(Base):
    """A sign-in provider of the whole environment (SPEC §13): Google, Microsoft, GitHub or
    any OpenID Connect (``type`` OIDC) or OAuth 2 (``type`` OAUTH) provider. ``config`` holds
    the client id, scopes and endpoints; the client secret is kept apart, encrypted."""

    __tablename__ = "social_connections"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))  # GOOGLE | MICROSOFT | GITHUB | CUSTOM
    type: Mapped[str] = mapped_column(String(8))  # OIDC | OAUTH
    enabled: Mapped[bool] = mapped_column(default=False)
    ui_button_title: Mapped[str | None] = mapped_column(String(200))
    config: Mapped[dict[str, Any]]
    client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SocialIdentity(Base):
    """A provider account linked to a user: the connection's stable subject (OIDC ``sub``,
    GitHub's numeric user id). One identity, one user; one user, many identities."""

    __tablename__ = "social_identities"
    __table_args__ = (UniqueConstraint("connection_id", "subject"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("social_connections.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(512))
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime]
