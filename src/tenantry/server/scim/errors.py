"""The one place an error becomes a SCIM Error body (RFC 7644 §3.12).

Tenantry's rule errors map by code; errors scim2-models raises while reading a payload,
a filter or a PATCH already carry their status and ``scimType``. A full organization is
``403`` with ``scimType: organization_user_limit_reached``: not ``409`` (Entra reads that as
a matching failure), not ``401`` (quarantine), not ``429``/``5xx`` (aggressive retries). The
last-admin rule refuses the same way (``403``, ``scimType: last_admin``). scim2-models is
imported at the first error (see ``endpoints.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from tenantry.server.domain.errors import TenantryError
from tenantry.server.http.problem import database_failure
from tenantry.server.observability.metrics import count_refusal

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/scim+json"

# code -> (HTTP status, scimType)
BY_CODE: dict[str, tuple[int, str | None]] = {
    "invalid_argument": (400, "invalidValue"),
    "unauthenticated": (401, None),
    "directory_disabled": (403, None),
    "organization_user_limit_reached": (403, "organization_user_limit_reached"),
    "last_admin": (403, "last_admin"),
    "not_found": (404, None),
    "already_exists": (409, "uniqueness"),
    "failed_precondition": (409, None),
    "rate_limited": (429, None),
    "payload_too_large": (413, None),
    "database_unavailable": (503, None),
    "storage_full": (507, None),
}
# Tenantry's own refusals: the detail starts with the code (IdPs show the detail, not scimType).
NAMED_IN_DETAIL = frozenset({"organization_user_limit_reached", "last_admin"})
SCIM_TYPES = frozenset(
    {"invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue"}
)


def body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    from scim2_models import Error

    return Error(status=status, scim_type=scim_type, detail=detail).model_dump()


def respond(
    status: int, detail: str, scim_type: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body(status, detail, scim_type), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def response_for(exc: Exception) -> JSONResponse:
    """The SCIM error response for ``exc``; anything unexpected is logged and a 500."""
    from scim2_models import Error, SCIMException

    if isinstance(exc, SCIMException):
        error = exc.to_error()
        return respond(int(error.status or 400), error.detail or str(exc), error.scim_type)
    if isinstance(exc, ValidationError):
        error = Error.from_validation_errors(exc)[0]
        return respond(int(error.status or 400), error.detail or "invalid payload", error.scim_type or "invalidValue")
    if isinstance(exc, DBAPIError) and (failure := database_failure(exc)) is not None:
        exc = failure
    if isinstance(exc, TenantryError):
        count_refusal(exc)
        status, scim_type = BY_CODE.get(exc.code, (500, None))
        if exc.code == "invalid_argument" and exc.details and exc.details[0].code in SCIM_TYPES:
            scim_type = exc.details[0].code
        detail = f"{exc.code}: {exc.message}" if exc.code in NAMED_IN_DETAIL else exc.message
        headers = {"Retry-After": str(exc.retry_after)} if hasattr(exc, "retry_after") else None
        if status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="tenantry-scim"'}
        return respond(status, detail, scim_type, headers)
    log.exception("unhandled error in a SCIM request", exc_info=exc)
    return respond(500, "An unexpected error occurred; it has been logged.")
