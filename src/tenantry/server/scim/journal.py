"""What goes into the provisioning log for one SCIM request: the writes (POST, PUT, PATCH,
DELETE) on Users and Groups that passed authentication, with how they ended."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response
from starlette.requests import ClientDisconnect

from tenantry.server.domain.errors import TenantryError
from tenantry.server.services.provisioning.log import Entry

WRITES = {"POST": "created", "PUT": "replaced", "PATCH": "updated", "DELETE": "deleted"}
# A create answered 200, not 201: the same userName and externalId sent again (a create
# whose answer was lost), answered with the user already there; nothing was created.
ALREADY = "already_provisioned"
KINDS = {"Users": "User", "Groups": "Group"}


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _subject(document: dict[str, Any]) -> str | None:
    value = document.get("userName") or document.get("displayName")
    return value if isinstance(value, str) else None


def _outcome(method: str, status: int, answer: dict[str, Any], failure: Exception | None) -> tuple[str, str | None]:
    if method == "POST" and status == 200:
        return ALREADY, None
    if status < 400:
        return WRITES[method], None
    if isinstance(failure, TenantryError):
        return failure.code, failure.message
    detail = answer.get("detail")
    return str(answer.get("scimType") or f"http_{status}"), detail if isinstance(detail, str) else None


async def entry(request: Request, response: Response, failure: Exception | None) -> Entry | None:
    """The log entry of this request, or None when it is not a logged write."""
    organization_id = getattr(request.state, "scim_organization_id", None)
    method = request.method
    parts = request.url.path.split("/")  # "", "scim", "v2", directory_id, kind[, id]
    if organization_id is None or method not in WRITES or len(parts) < 5 or parts[4] not in KINDS:
        return None
    if method == "POST" and len(parts) > 5:  # /.search: a read
        return None
    try:
        sent = _json(await request.body())  # read by the handler already: cached
    except (RuntimeError, ClientDisconnect):  # a body the size limit cut off, a client gone
        sent = {}
    answer = _json(bytes(response.body)) if response.status_code != 204 else {}
    outcome, message = _outcome(method, response.status_code, answer, failure)
    resource_id = parts[5] if len(parts) > 5 else answer.get("id")
    return Entry(
        organization_id=organization_id,
        directory_id=parts[3],
        method=method,
        resource_type=KINDS[parts[4]],
        resource_id=resource_id if isinstance(resource_id, str) else None,
        subject=_subject(answer) or _subject(sent),
        status=response.status_code,
        outcome=outcome,
        message=message,
    )
