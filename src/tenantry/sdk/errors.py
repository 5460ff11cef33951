"""Errors the API answers with, as exceptions carrying its stable ``code`` and ``details``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class TenantryError(Exception):
    """Any error answer. ``code`` is the API's stable code; ``status`` the HTTP status."""

    code: ClassVar[str] = "unknown"

    def __init__(self, status: int, code: str, message: str, details: list[FieldError] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.error_code = code
        self.message = message
        self.details = details or []


class InvalidArgument(TenantryError):
    code = "invalid_argument"


class Unauthenticated(TenantryError):
    code = "unauthenticated"


class SignupDisabled(TenantryError):
    code = "signup_disabled"


class NotFound(TenantryError):
    code = "not_found"


class AlreadyExists(TenantryError):
    code = "already_exists"


class OrganizationUserLimitReached(TenantryError):
    code = "organization_user_limit_reached"


class OrganizationCreationLimitReached(TenantryError):
    code = "organization_creation_limit_reached"


class InvitationExpired(TenantryError):
    code = "invitation_expired"


class InvitationInvalid(TenantryError):
    code = "invitation_invalid"


class MembershipAlreadyActive(TenantryError):
    code = "membership_already_active"


class IncompatibleAttributeValues(TenantryError):
    code = "incompatible_attribute_values"


class FailedPrecondition(TenantryError):
    code = "failed_precondition"


class RateLimited(TenantryError):
    code = "rate_limited"


class DomainVerificationFailed(TenantryError):
    """The domain's DNS TXT record was not found (yet)."""

    code = "domain_verification_failed"


_BY_CODE = {cls.code: cls for cls in TenantryError.__subclasses__()}


def error_from(status: int, body: Any) -> TenantryError:
    """The exception for an error answer (a problem object, or anything else)."""
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        details = [
            FieldError(str(d.get("field", "")), str(d.get("code", "")), str(d.get("message", "")))
            for d in body.get("details") or []
            if isinstance(d, dict)
        ]
        cls = _BY_CODE.get(body["code"], TenantryError)
        return cls(status, body["code"], str(body.get("message", "")), details)
    return TenantryError(status, "unknown", str(body)[:500])
