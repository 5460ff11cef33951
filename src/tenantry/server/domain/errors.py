"""Every rule a request can break, one exception class each, with a stable code.

The HTTP layer maps codes to statuses in one place (``http/problem.py``); nothing here
knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any, ClassVar

from tenantry.server.domain import messages


@dataclass(frozen=True)
class FieldError:
    """One bad field: a dotted path (``user_profile.custom_attributes.department``), a code, a
    message (the API's), and the parameters of the rule (``min_length``…) for pages to word it."""

    field: str
    code: str
    message: str
    params: Mapping[str, Any] = default(default_factory=dict, compare=False)

    @property
    def sentence(self) -> str:
        """How a page says it (domain/messages.py)."""
        return messages.field_sentence(self.field, self.code, self.message, self.params)


class TenantryError(Exception):
    """Base of every rule violation. ``code`` is part of the external contract."""

    code: ClassVar[str] = "internal"
    default_message: ClassVar[str] = "Something went wrong."

    def __init__(
        self,
        message: str | None = None,
        details: list[FieldError] | None = None,
        *,
        reason: str | None = None,
        **params: Any,
    ) -> None:
        """``reason`` names the situation among those of this code (a catalogue key), and
        ``params`` its figures; without ``message`` the API's sentence comes from the catalogue."""
        self.reason = reason
        self.params = params
        self.worded = message is None  # pages may word it afresh with the meta name
        worded = messages.api_sentence(self.code, reason, params) if reason or params else None
        self.message = message or worded or self.default_message
        self.details = list(details or [])
        super().__init__(self.message)


class InvalidArgument(TenantryError):
    code = "invalid_argument"
    default_message = "The request has invalid fields."

    @classmethod
    def field(cls, field: str, code: str, message: str) -> InvalidArgument:
        return cls(message, [FieldError(field, code, message)])


class Unauthenticated(TenantryError):
    code = "unauthenticated"
    default_message = "Missing or invalid credentials."


class SignupDisabled(TenantryError):
    code = "signup_disabled"
    default_message = "Sign-up is disabled. Ask an administrator for an invitation."


class NotFound(TenantryError):
    code = "not_found"
    default_message = "No such resource."


class AlreadyExists(TenantryError):
    code = "already_exists"
    default_message = "A resource with these values already exists."


class OrganizationUserLimitReached(TenantryError):
    code = "organization_user_limit_reached"
    default_message = "The organization has reached its maximum number of users."


class OrganizationCreationLimitReached(TenantryError):
    code = "organization_creation_limit_reached"
    default_message = "The user has already created the maximum number of organizations."


class InvitationExpired(TenantryError):
    code = "invitation_expired"
    default_message = "This invitation has expired. Ask for a new one."


class InvitationInvalid(TenantryError):
    code = "invitation_invalid"
    default_message = "This invitation link is not valid: it was already used, revoked or never existed."


class MembershipAlreadyActive(TenantryError):
    code = "membership_already_active"
    default_message = "The user is already an active member; there is no invitation to resend."


class IncompatibleAttributeValues(TenantryError):
    code = "incompatible_attribute_values"
    default_message = "Existing values would not fit the changed attribute definition."


class FailedPrecondition(TenantryError):
    code = "failed_precondition"
    default_message = "The resource is not in a state that allows this."


class DirectoryDisabled(TenantryError):
    """A directory that was disabled takes no provisioning calls until it is enabled again."""

    code = "directory_disabled"
    default_message = "This directory is disabled: enable it in Tenantry to resume provisioning."


class EmailNotVerified(TenantryError):
    code = "email_not_verified"
    default_message = "Verify your e-mail address first: we sent you a link when you signed up."


class TooManyInvitations(TenantryError):
    """An inviter or an organization sent as many invitations as it may in the last hour."""

    code = "rate_limited"
    default_message = "Too many invitations were sent recently."

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LastAdmin(TenantryError):
    """The change would leave an organization with members but nobody able to manage them."""

    code = "last_admin"
    default_message = (
        "This is the last member who can manage members: an organization with members keeps at least "
        "one. Give that power to someone else first, or delete the organization."
    )


class RoleInUse(TenantryError):
    code = "role_in_use"
    default_message = "Members hold this role: name a role to move them to (reassign_role_name)."


class RoleHasDependents(TenantryError):
    code = "role_has_dependents"
    default_message = "Other roles extend this role: change their base role first."


class RoleInheritanceCycle(TenantryError):
    code = "role_inheritance_cycle"
    default_message = "A role cannot extend itself, directly or through other roles."


class BuiltinRole(TenantryError):
    code = "builtin_role"
    default_message = "The built-in roles admin and member, and tenantry: permissions, cannot be deleted or renamed."


class SetupLinkInvalid(TenantryError):
    code = "setup_link_invalid"
    default_message = (
        "This set-up link is not valid any more: it was used, it expired, or an administrator already exists. "
        "Ask an administrator to add you, or run `tenantry admin create`."
    )


class DatabaseUnavailable(TenantryError):
    code = "database_unavailable"
    default_message = "The database cannot be reached right now. Nothing was changed; try again shortly."


class StorageFull(TenantryError):
    code = "storage_full"
    default_message = "The database has no space left. Nothing was changed; try again later."


class TransientConflict(Exception):
    """The database aborted the transaction to break a deadlock or a serialization conflict.
    Nothing was written; running the same use case again is safe and usually succeeds. Not
    a TenantryError on purpose: handlers that turn rule violations into pages must let it
    through to the one place that retries (``http/retry.py``)."""
