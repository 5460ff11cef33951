from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class ServerSecret(Base):
    """Secrets every server process of one environment must share (e.g. the CSRF key),
    generated on first use so a deployment needs no configuration for them."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
