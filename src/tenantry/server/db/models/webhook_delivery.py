from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base
from tenantry.server.db.models.event import Sequence64


class WebhookDelivery(Base):
    """One event on its way to one endpoint; ``id`` is the ``webhook-id`` header, the same on
    every attempt (receivers dedupe by it).

    ``status``: ``pending`` until a 2xx (``delivered``) or the retry window ends (``failed``).
    A worker owns a pending delivery while ``lease_until`` is in the future; a worker that
    dies loses its lease and another delivers again.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        # "Is an earlier delivery of this object to this endpoint still pending?"
        Index("ix_webhook_deliveries_endpoint_id_ordering_key_event_seq", "endpoint_id", "ordering_key", "event_seq"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    endpoint_id: Mapped[str] = mapped_column(String(40), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_seq: Mapped[int] = mapped_column(Sequence64, ForeignKey("events.seq", ondelete="CASCADE"), index=True)
    ordering_key: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    retry_until: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
