from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base

# SQLite makes only an INTEGER PRIMARY KEY auto-increment; PostgreSQL gets a 64-bit identity.
Sequence64 = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    """One state change, written in the transaction that made it (transactional outbox).

    ``seq`` is assigned at insert, after the changed row was written and locked, so two
    events about one object get ``seq`` in commit order; deliveries use it to keep each
    object's events in order. ``id`` (time-ordered) is the public id the audit log pages by.
    ``ordering_key`` names the object whose events must stay in order (``user:usr_…``).
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_type_id", "type", "id"),
        Index("ix_events_organization_id_id", "organization_id", "id"),
        Index("ix_events_user_id_id", "user_id", "id"),
        Index("ix_events_created_at", "created_at"),
        # Recent invitations per organization and per inviter (services/membership/sending.py).
        Index("ix_events_organization_id_type_created_at", "organization_id", "type", "created_at"),
        Index("ix_events_actor_id_type_created_at", "actor_id", "type", "created_at"),
    )

    seq: Mapped[int] = mapped_column(Sequence64, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    organization_id: Mapped[str | None] = mapped_column(String(40))
    user_id: Mapped[str | None] = mapped_column(String(40))
    ordering_key: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
