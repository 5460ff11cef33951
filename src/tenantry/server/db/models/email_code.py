from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class EmailCode(Base):
    """A one-time secret sent by e-mail: a 6-digit code (log-in, e-mail verification) or a
    link token (password reset). Stored as a digest; consumed by one conditional UPDATE."""

    __tablename__ = "email_codes"
    __table_args__ = (Index("ix_email_codes_user_purpose", "user_id", "purpose"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))  # login | verify | reset
    # digest(token) for link tokens (looked up by it); digest(id + ":" + code) for codes
    secret_hash: Mapped[str] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    consumed_at: Mapped[datetime | None]
    # A sign-in code may travel with a magic link (SPEC §13): keyed digest of the link's token,
    # the link's own expiry, and a digest of the browser that asked (only it is signed in).
    link_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    link_expires_at: Mapped[datetime | None]
    browser_hash: Mapped[str | None] = mapped_column(String(64))
