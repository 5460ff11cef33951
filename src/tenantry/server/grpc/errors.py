"""The one place errors become gRPC statuses, carrying Scalekit's ``ErrorInfo`` detail whose
``error_code`` is Tenantry's stable code (API.md): the same codes as every other surface.

Statuses: limits that a request cannot pass now (seats, organizations per user, and other rule
refusals) → FAILED_PRECONDITION; rate limits and a full disk → RESOURCE_EXHAUSTED; the database
unreachable or still conflicting after retries → UNAVAILABLE.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status
from pydantic import ValidationError
from scalekit.v1.errdetails import errdetails_pb2
from sqlalchemy.exc import DBAPIError

from tenantry.server.domain.errors import DatabaseUnavailable, FieldError, TenantryError, TransientConflict
from tenantry.server.observability.metrics import count_refusal
from tenantry.server.services.outages import database_failure

log = logging.getLogger(__name__)

STATUS_BY_CODE: dict[str, grpc.StatusCode] = {
    "invalid_argument": grpc.StatusCode.INVALID_ARGUMENT,
    "invitation_invalid": grpc.StatusCode.INVALID_ARGUMENT,
    "invalid_code": grpc.StatusCode.INVALID_ARGUMENT,
    "unauthenticated": grpc.StatusCode.UNAUTHENTICATED,
    "signup_disabled": grpc.StatusCode.PERMISSION_DENIED,
    "not_found": grpc.StatusCode.NOT_FOUND,
    "already_exists": grpc.StatusCode.ALREADY_EXISTS,
    "rate_limited": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "too_many_invitations": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "password_login_locked": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "storage_full": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "payload_too_large": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "database_unavailable": grpc.StatusCode.UNAVAILABLE,
}
# Every other rule refusal (seat and creation limits, last admin, expired invitation…):
# the request is well formed but the state does not allow it.
DEFAULT_STATUS = grpc.StatusCode.FAILED_PRECONDITION


def status_for(code: str) -> grpc.StatusCode:
    return STATUS_BY_CODE.get(code, DEFAULT_STATUS)


class _Status(grpc.Status):
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple[tuple[str, Any], ...]) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def _status(
    status: grpc.StatusCode, code: str, message: str, details: list[FieldError], retry_after: int | None = None
) -> grpc.Status:
    info = errdetails_pb2.ErrorInfo(error_code=code)
    if details:
        info.validation_error_info.field_violations.extend(
            errdetails_pb2.ValidationErrorInfo.FieldViolation(field=d.field, description=d.message, constraint=d.code)
            for d in details
        )
    packed = any_pb2.Any()
    packed.Pack(info)
    packed_status = rpc_status.to_status(status_pb2.Status(code=status.value[0], message=message, details=[packed]))
    trailers = tuple(packed_status.trailing_metadata)
    if retry_after is not None:  # as HTTP's Retry-After: seconds until trying again makes sense
        trailers += (("retry-after", str(retry_after)),)
    return _Status(packed_status.code, packed_status.details, trailers)


def abort(
    context: grpc.ServicerContext,
    code: str,
    message: str,
    details: list[FieldError] | None = None,
    retry_after: int | None = None,
) -> NoReturn:
    context.abort_with_status(_status(status_for(code), code, message, details or [], retry_after))
    raise AssertionError("abort_with_status returns only by raising")


def _field_errors(exc: ValidationError, prefix: str) -> list[FieldError]:
    found = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error.get("loc", ()) if not str(part).startswith("function-"))
        field = ".".join(part for part in (prefix, path) if part) or "request"
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        found.append(FieldError(field, str(error.get("type", "invalid")), message))
    return found


def handle(context: grpc.ServicerContext, exc: BaseException, *, field_prefix: str = "") -> NoReturn:
    """Abort the call for ``exc`` (re-raises what is not an error of ours)."""
    if isinstance(exc, TenantryError):
        count_refusal(exc)
        abort(context, exc.code, exc.message, exc.details, getattr(exc, "retry_after", None))
    if isinstance(exc, ValidationError):
        abort(context, "invalid_argument", "The request has invalid fields.", _field_errors(exc, field_prefix))
    if isinstance(exc, TransientConflict):
        log.warning("transaction aborted by the database on every attempt")
        failure: TenantryError | None = DatabaseUnavailable("The database is busy. Nothing was changed; try again.")
        abort(context, failure.code, failure.message)  # type: ignore[union-attr]
    if isinstance(exc, DBAPIError) and (failure := database_failure(exc)) is not None:
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        abort(context, failure.code, failure.message)
    raise exc
