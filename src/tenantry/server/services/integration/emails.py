"""The local outbox: e-mails Tenantry sent or would have sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from tenantry.server.context import Context
from tenantry.server.db.models import EmailRecord
from tenantry.server.db.paging import fetch_page
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.domain.types import email_key
from tenantry.server.email import requests
from tenantry.server.services.identity import mail_requests


@dataclass(frozen=True)
class EmailView:
    id: str
    kind: str
    to: str
    subject: str
    text: str | None
    html: str | None
    status: str
    error: str | None
    create_time: datetime
    sent_time: datetime | None


def list_page(
    ctx: Context, request: PageRequest, to: str | None = None, *, newest_first: bool = False
) -> Page[EmailView]:
    """E-mails in the order they were written (or newest first), to one address or all;
    including those asked for and not yet written (resolved here first: email/jobs.py)."""
    mail_requests.resolve_due(ctx)
    with ctx.uow(readonly=True) as uow:
        stmt = select(EmailRecord).where(EmailRecord.status != requests.REQUESTED)  # not e-mails yet
        if to:
            stmt = stmt.where(func.lower(EmailRecord.to_address) == email_key(to))
        page = fetch_page(uow.session, stmt, EmailRecord.id, request, descending=newest_first)
        views = [
            EmailView(
                r.id,
                r.kind,
                r.to_address,
                r.subject,
                r.body_text,
                r.body_html,
                r.status,
                r.error,
                r.created_at,
                r.sent_at,
            )
            for r in page.items
        ]
        return Page(views, page.next_page_token, page.prev_page_token, page.total_size)
