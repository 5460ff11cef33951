"""The Outbox tab: the e-mails Tenantry wrote, newest first, with their links — where an
administrator finds invitation, reset and sign-in links while no SMTP server is set up."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import FieldError
from tenantry.server.domain.types import EmailAddress
from tenantry.server.http.admin.web import page_request, render, signed_in_admin
from tenantry.server.http.pages.web import context
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.integration import emails

router = APIRouter(
    route_class=RetryingRoute, prefix="/admin/outbox", include_in_schema=False, dependencies=[Depends(signed_in_admin)]
)

# Links in the text part of an e-mail; trailing punctuation belongs to the sentence.
_LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
_RECIPIENT = TypeAdapter(EmailAddress)


def links_in(body: str | None) -> list[str]:
    return list(dict.fromkeys(_LINK.findall(body or "")))


@router.get("")
async def outbox(request: Request, to: str = "", page_token: str = "") -> Response:
    ctx = context(request)
    recipient = to.strip()
    if recipient:
        try:
            _RECIPIENT.validate_python(recipient)
        except ValidationError:
            error = FieldError("to", "invalid", "enter a whole e-mail address, e.g. ada@example.com")
            return await render(
                request,
                "outbox.html",
                status_code=400,
                tab="outbox",
                page=None,
                to=to,
                errors=[error],
                smtp_host=ctx.settings.smtp_host,
            )
    page = await run_in_threadpool(
        lambda: emails.list_page(ctx, page_request(page_token), recipient or None, newest_first=True)
    )
    return await render(
        request,
        "outbox.html",
        tab="outbox",
        page=page,
        to=recipient,
        links={e.id: links_in(e.text) for e in page.items},
        smtp_host=ctx.settings.smtp_host,
    )
