from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class PendingSignIn(Base):
    """A sign-in between its first factor and its second: never a session. The browser holds
    a random token in its own cookie (only the digest is stored). It lives a few minutes,
    allows a few wrong codes, and is deleted when finished."""

    __tablename__ = "pending_sign_ins"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str | None] = mapped_column(String(40))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    amr: Mapped[list[Any]]  # the first factor's methods (RFC 8176)
    # a step-up of this signed-in session (acr_values): it is replaced when the step is done
    replaces_session_id: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
