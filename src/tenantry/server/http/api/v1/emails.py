from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tenantry.server.domain.types import EmailAddress
from tenantry.server.http.api.v1 import routers, schemas
from tenantry.server.http.deps import Ctx, Paging
from tenantry.server.services.integration import emails

router = routers.protected("outbox")


@router.get("/emails", response_model=schemas.EmailList)
def list_emails(ctx: Ctx, paging: Paging, to: Annotated[EmailAddress | None, Query()] = None) -> schemas.EmailList:
    """E-mails Tenantry sent (envelope only, with SMTP) or would have sent (whole message,
    in the local outbox when no SMTP server is configured)."""
    page = emails.list_page(ctx, paging, to)
    return schemas.EmailList(
        emails=[schemas.Email(**vars(e)) for e in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )
