from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class EmailRecord(Base):
    """An e-mail Tenantry sent or would have sent.

    Without SMTP this is the local outbox, so the body (with its links) is kept for the
    administrator to read. With SMTP only the envelope is kept: links carry single-use
    tokens that must not sit in the database in clear.
    """

    __tablename__ = "emails"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # outbox | queued | sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
