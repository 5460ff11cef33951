"""The one place errors become HTTP: JSON problem objects ``{code, message, details}``.

Statuses by code follow API.md. Validation errors from request parsing become
``400 invalid_argument`` with one detail per bad field; nothing escapes as a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from tenantry.server.domain.errors import DatabaseUnavailable, FieldError, TenantryError, TransientConflict
from tenantry.server.http.api.v1.router import authentication_refusal
from tenantry.server.observability.metrics import count_refusal, refused
from tenantry.server.services.outages import database_failure

log = logging.getLogger(__name__)

STATUS_BY_CODE = {
    "invalid_argument": 400,
    "invitation_invalid": 400,
    "unauthenticated": 401,
    "signup_disabled": 403,
    "directory_disabled": 403,
    "email_not_verified": 403,
    "not_found": 404,
    "already_exists": 409,
    "organization_user_limit_reached": 409,
    "organization_creation_limit_reached": 409,
    "membership_already_active": 409,
    "incompatible_attribute_values": 409,
    "failed_precondition": 409,
    "domain_verification_failed": 409,
    "sso_failed": 400,
    "sso_required": 403,
    "social_sign_in_refused": 403,
    "invitation_expired": 410,
    "invalid_code": 400,
    "invalid_reset_link": 400,
    "invalid_magic_link": 400,
    "passkey_invalid": 400,
    "security_key_invalid": 400,
    "last_second_factor": 409,
    "sign_in_method_disabled": 403,
    "recent_sign_in_required": 403,
    "setup_link_invalid": 400,
    "csrf_failed": 403,
    "rate_limited": 429,
    "database_unavailable": 503,
    "storage_full": 507,
    "password_login_locked": 429,
    "payload_too_large": 413,
    "last_admin": 409,
    "role_in_use": 409,
    "role_has_dependents": 409,
    "role_inheritance_cycle": 400,
    "builtin_role": 409,
    "portal_link_not_found": 404,
    "portal_feature_not_granted": 404,
    "portal_link_unusable": 410,
}

# pydantic error types -> our detail codes (anything else: "invalid")
_DETAIL_CODES = {
    "missing": "required",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_long": "too_long",
    "too_short": "too_short",
    "string_pattern_mismatch": "pattern_mismatch",
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "greater_than": "out_of_range",
    "less_than": "out_of_range",
    "extra_forbidden": "unknown_field",
    "int_parsing": "wrong_type",
    "int_type": "wrong_type",
    "int_from_float": "wrong_type",
    "bool_parsing": "wrong_type",
    "bool_type": "wrong_type",
    "string_type": "wrong_type",
    "dict_type": "wrong_type",
    "list_type": "wrong_type",
    "model_attributes_type": "wrong_type",
    "model_type": "wrong_type",
    "json_invalid": "malformed_json",
    "literal_error": "not_in_options",
    "enum": "not_in_options",
    "invalid_characters": "invalid_characters",  # domain/types.py: check_display_text
    "no_visible_characters": "no_visible_characters",
}

_LOCATION_ROOTS = {"body", "query", "path", "header", "cookie"}


def problem(
    status: int,
    code: str,
    message: str,
    details: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "code": code,
        "message": message,
        "details": [{"field": d.field, "code": d.code, "message": d.message} for d in details or []],
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def field_errors(errors: list[Any]) -> list[FieldError]:
    details = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _LOCATION_ROOTS:
            loc = loc[1:]
        # pydantic puts function-validator names in the path for Annotated chains; keep field names only
        loc = [part for part in loc if not part.startswith("function-")]
        if error.get("type") == "json_invalid":
            loc = []  # the location is a character offset, not a field
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        params = {
            **{k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | float | str)},
            "type": error.get("type", ""),
        }
        details.append(
            FieldError(".".join(loc) or "body", _DETAIL_CODES.get(error.get("type", ""), "invalid"), message, params)
        )
    return details


def tenantry_error_response(exc: TenantryError) -> JSONResponse:
    count_refusal(exc)
    status = STATUS_BY_CODE.get(exc.code, 500)
    headers = {"WWW-Authenticate": 'Bearer realm="tenantry"'} if status == 401 else None
    if hasattr(exc, "retry_after"):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(status, exc.code, exc.message, exc.details, headers=headers)


DATABASE_RETRY_AFTER = 5


def _allowed_methods(request: Request) -> list[str]:
    """The methods some route fully serves at this path (routers nest, so ask per method)."""
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.routes):
            allowed.append(method)
    return allowed


def install(app: FastAPI) -> None:
    @app.exception_handler(TenantryError)
    async def _tenantry_error(_request: Request, exc: TenantryError) -> JSONResponse:
        return tenantry_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        refusal = await authentication_refusal(request)
        if refusal is not None:
            return tenantry_error_response(refusal)
        refused("invalid_argument")
        return problem(400, "invalid_argument", "The request has invalid fields.", field_errors(list(exc.errors())))

    @app.exception_handler(ValidationError)
    async def _model_invalid(_request: Request, exc: ValidationError) -> JSONResponse:
        refused("invalid_argument")
        return problem(400, "invalid_argument", "The request has invalid fields.", field_errors(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        refusal = await authentication_refusal(request) if exc.status_code == 400 else None
        if refusal is not None:
            return tenantry_error_response(refusal)
        if exc.status_code == 400:  # the framework could not read the body (bad UTF-8, nesting too deep…)
            detail = FieldError("body", "malformed", str(exc.detail))
            refused("invalid_argument")
            return problem(400, "invalid_argument", "The request body could not be read.", [detail])
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        refused(code)
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:  # each method is its own route: gather them all for Allow
            headers = {"Allow": ", ".join(_allowed_methods(request))}
        return problem(exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(DBAPIError)
    async def _database_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        failure = database_failure(exc)
        if failure is None:
            log.exception("unhandled database error")
            return problem(500, "internal", "An unexpected error occurred; it has been logged.")
        log.warning("database unavailable: %s", type(exc.orig).__name__)  # no statement, no values
        response = tenantry_error_response(failure)
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    @app.exception_handler(TransientConflict)
    async def _still_conflicting(_request: Request, _exc: TransientConflict) -> JSONResponse:
        log.warning("transaction aborted by the database on every attempt")
        response = tenantry_error_response(DatabaseUnavailable("The database is busy. Nothing was changed; try again."))
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "internal", "An unexpected error occurred; it has been logged.")
