from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class Admin(Base):
    """A dashboard administrator. Admins are their own accounts, apart from the environment's
    users: signing up to the product never makes anyone an administrator of Tenantry."""

    __tablename__ = "admins"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    # A TOTP authenticator (domain/mfa.py), encrypted like users' factors; on once confirmed
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(400))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    totp_confirmed_at: Mapped[datetime | None]
