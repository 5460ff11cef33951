from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tenantry.server.db.base import Base


class EmailRecord(Base):
    """An e-mail Tenantry sent or would have sent.

    Without SMTP this is the local outbox, so the body (with its links) is kept for the
    administrator to read. With SMTP it is also the queue the sender works from: the message
    waits here ``sealed`` (encrypted under a key kept outside the database: links carry
    single-use tokens that must not sit in the database in clear) until it is sent, then only
    the envelope is kept. ``requested`` rows are e-mails asked for on a request path that
    must not show whether the address is registered (email/jobs.py): the address as typed,
    turned into a message (or dropped) after the answer.
    """

    __tablename__ = "emails"
    __table_args__ = (Index("ix_emails_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # requested | outbox | queued | sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]  # requested / queued: due from then on
    lease_until: Mapped[datetime | None]  # a sender is at it until then (another takes over after)
    sealed: Mapped[str | None] = mapped_column(Text)  # queued: the message, encrypted
