from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class WebhookEndpoint(Base):
    """Where events are delivered. ``event_types`` empty = every type.

    ``secret_encrypted`` is the signing secret under AES-GCM (see ``services/webhook_secrets``):
    signing needs the secret itself, so it cannot be kept only as a digest.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[Any]]
    enabled: Mapped[bool] = mapped_column(default=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
