from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class LoginLockout(Base):
    """Failed-password history of one e-mail address (registered or not: see domain/lockout.py).
    In the database so that every server process sees the same pause."""

    __tablename__ = "login_lockouts"

    email_key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    level: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
