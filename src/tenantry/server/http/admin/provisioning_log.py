"""An organization's provisioning log on the dashboard (SPEC §12): the SCIM writes its
directories made, newest first, and how each ended, narrowed by directory, outcome,
operation, user or group, and dates (a GET form: the filters are in the address, paged)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.http.admin.organization_sections import section_page
from tenantry.server.http.admin.web import page_request, signed_in_admin, utc_moment
from tenantry.server.http.pages.web import context
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.services.provisioning import directories, log
from tenantry.server.services.read_models.provisioning_log import SUCCESSES

router = APIRouter(
    route_class=RetryingRoute,
    prefix="/admin/organizations/{organization_id}/provisioning",
    include_in_schema=False,
    dependencies=[Depends(signed_in_admin)],
)

SUCCEEDED, FAILED = "succeeded", "failed"
# The outcome filter's choices: either side, each success, and the refusals a directory meets most.
OUTCOMES = [
    ("", "Any outcome"),
    (SUCCEEDED, "Succeeded"),
    (FAILED, "Refused or failed"),
    *[(outcome, outcome.replace("_", " ").capitalize()) for outcome in SUCCESSES],
    ("organization_user_limit_reached", "Refused: organization full"),
    ("last_admin", "Refused: last admin"),
    ("already_exists", "Refused: already exists"),
    ("invalidValue", "Refused: invalid value"),
]
OPERATIONS = [("", "Any operation"), ("POST", "Create"), ("PUT", "Replace"), ("PATCH", "Update"), ("DELETE", "Delete")]


@router.get("")
async def provisioning_log(
    request: Request,
    organization_id: str,
    directory_id: str = "",
    outcome: str = "",
    operation: str = "",
    q: str = "",
    since: str = "",
    until: str = "",
    page_token: str = "",
) -> Response:
    ctx = context(request)
    listed = await run_in_threadpool(directories.list_, ctx, organization_id)
    chosen = directory_id if any(d.id == directory_id for d in listed) else ""
    values = {
        "directory_id": chosen,
        "outcome": outcome.strip()[:64],
        "operation": operation if operation in dict(OPERATIONS) else "",
        "q": q.strip()[:255],
        "since": since.strip(),
        "until": until.strip(),
    }
    query = urlencode({key: value for key, value in values.items() if value})
    common: dict[str, Any] = {
        "directories": listed,
        "directory_options": [("", "All directories"), *[(d.id, d.name) for d in listed]],
        "chosen": chosen,
        "values": values,
        "outcomes": OUTCOMES,
        "operations": OPERATIONS,
        "filtered": any(value for key, value in values.items() if key != "directory_id"),
        "base": f"/admin/organizations/{organization_id}/provisioning" + (f"?{query}" if query else ""),
    }
    try:
        narrowed = log.LogFilter(
            outcomes=(values["outcome"],) if values["outcome"] not in ("", SUCCEEDED, FAILED) else (),
            methods=(values["operation"],) if values["operation"] else (),
            succeeded={SUCCEEDED: True, FAILED: False}.get(values["outcome"]),
            since=utc_moment(values["since"], "since"),
            until=utc_moment(values["until"], "until", whole_day=True),
            subject=values["q"],
        )
        entries = await run_in_threadpool(
            log.page, ctx, organization_id, page_request(page_token), chosen or None, narrowed
        )
    except InvalidArgument as exc:  # a date that is not one
        return await section_page(
            request,
            organization_id,
            "organization_provisioning.html",
            "provisioning",
            status_code=400,
            entries=None,
            errors=exc.details,
            **common,
        )
    return await section_page(
        request, organization_id, "organization_provisioning.html", "provisioning", entries=entries, **common
    )
