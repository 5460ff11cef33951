"""The Audit log tab: every recorded change, with who made it and the object's new state."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import TenantryError
from tenantry.server.domain.events import EVENT_TYPES
from tenantry.server.http.admin.web import page_request, render, signed_in_admin, utc_moment
from tenantry.server.http.pages.web import context
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.integration import event_log

router = APIRouter(
    route_class=RetryingRoute, prefix="/admin/events", include_in_schema=False, dependencies=[Depends(signed_in_admin)]
)


@router.get("")
async def audit_log(
    request: Request,
    type: str = "",
    organization_id: str = "",
    user_id: str = "",
    since: str = "",
    order: str = "newest",
    page_token: str = "",
) -> Response:
    values = {"type": type, "organization_id": organization_id.strip(), "user_id": user_id.strip(), "since": since}
    newest_first = order != "oldest"
    if not newest_first:
        values["order"] = "oldest"
    query = urlencode({key: value for key, value in values.items() if value})
    common: dict[str, Any] = {"tab": "events", "types": EVENT_TYPES, "values": values, "base": f"/admin/events?{query}"}
    try:
        organization, user = values["organization_id"] or None, values["user_id"] or None
        filters = event_log.EventFilter((type,) if type else (), organization, user, utc_moment(since, "since"))
        page = await run_in_threadpool(
            lambda: event_log.list_page(context(request), page_request(page_token), filters, newest_first=newest_first)
        )
    except TenantryError as exc:
        return await render(request, "audit_log.html", status_code=400, page=None, errors=exc.details, **common)
    for event in page.items:
        event["data_json"] = json.dumps(event["data"], indent=2, ensure_ascii=False)
    labels = await run_in_threadpool(event_log.labels, context(request), page.items)
    return await render(request, "audit_log.html", page=page, labels=labels, newest_first=newest_first, **common)
