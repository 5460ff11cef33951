from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class SecurityKey(Base):
    """A WebAuthn credential a user registered as a *second factor* (SPEC §13): asked for
    after the password, never a way to sign in alone. Kept apart from ``passkeys`` so the
    passwordless sign-in, which looks credentials up there, can never accept one. Its public
    key only; ``sign_count`` must grow at every use (0: the authenticator keeps none)."""

    __tablename__ = "security_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url of the raw id
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE key
    sign_count: Mapped[int] = mapped_column(default=0)
    transports: Mapped[list[Any] | None]
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
