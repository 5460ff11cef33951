from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class PendingSignUp(Base):
    """A hosted sign-up with an address that already has an account (services/identity/
    pending_signups.py): never an account. Its id (``psu_…``, the length of a user id) is
    what the sign-up cookie names; the password typed is kept as an argon2 hash made with
    the salt of the account's own (so one computation checks both at log-in), the address
    only as a keyed digest, and the e-mailed code as a keyed digest. A few per account,
    for a day at most."""

    __tablename__ = "pending_sign_ups"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    address_hash: Mapped[str] = mapped_column(String(64))  # keyed digest of the address's key
    password_hash: Mapped[str] = mapped_column(String(255))
    code_hash: Mapped[str | None] = mapped_column(String(64))  # keyed digest of id + ":" + code
    code_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    codes_sent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
