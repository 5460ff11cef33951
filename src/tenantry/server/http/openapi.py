"""The OpenAPI document says what the API really answers: errors are problem objects
(``{code, message, details}``) with the statuses of ``problem.STATUS_BY_CODE``, and request
validation answers 400, never FastAPI's default 422. The fuzz tests (tests/fuzz) hold every
response to this document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "description": "stable error code (API.md)"},
        "message": {"type": "string"},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_DESCRIPTIONS = {
    "400": "invalid_argument (one detail per bad field), invitation_invalid, invalid_code",
    "401": "unauthenticated: missing, invalid or expired credentials",
    "403": "signup_disabled",
    "404": "not_found",
    "409": "already_exists, a limit reached, or a state that does not allow this",
    "410": "invitation_expired",
    "413": "payload_too_large: the request body is over the configured cap (1 MiB by default), refused unread",
    "429": "rate_limited (see Retry-After)",
    "503": "database_unavailable: the database cannot be reached or is full; retry later",
    "507": "storage_full: the database has no space left; retry later",
}


def _error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    statuses = ["400", "409", "429", "503", "507"]
    if operation.get("security") or path == "/oauth/token":
        statuses.append("401")
    if "{" in path or method in ("post", "patch", "put"):  # a path or body may name a missing record
        statuses.append("404")
    if path == "/api/v1/signup":
        statuses.append("403")
    if path == "/api/v1/invitations:accept":
        statuses.append("410")
    if method in ("post", "patch", "put"):
        statuses.append("413")
    return statuses


def _document_errors(schema: dict[str, Any]) -> None:
    problem = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status in _error_statuses(path, method, operation):
                responses.setdefault(status, {"description": _DESCRIPTIONS[status], **problem})
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components["Problem"] = PROBLEM_SCHEMA


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            _document_errors(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
