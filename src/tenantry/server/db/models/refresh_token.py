from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class RefreshToken(Base):
    """A refresh token (digest only). Each use rotates it: the old one is marked used and a
    new one joins the same family. Presenting a used token again means it was stolen, so
    the whole family is revoked (RFC 9700 §4.14.2). A family ends for good at
    ``family_expires_at`` (``refresh_token_family_days`` after the code exchange)."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(40), index=True)
    client_id: Mapped[str] = mapped_column(String(40), ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str | None] = mapped_column(String(40), index=True)
    session_id: Mapped[str | None] = mapped_column(String(40), index=True)
    scope: Mapped[str] = mapped_column(Text)
    auth_time: Mapped[datetime]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    family_expires_at: Mapped[datetime]  # the family's absolute end: rotation never goes past it
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
