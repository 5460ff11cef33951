"""Roles and permissions (SPEC §9): names, Tenantry's own powers, inheritance rules. Pure."""

from __future__ import annotations

import re
from collections.abc import Callable

from tenantry.server.domain.errors import FieldError, InvalidArgument, RoleInheritanceCycle

ADMIN = "admin"
MEMBER = "member"

# Tenantry's own powers on the hosted pages, granted like any other permission.
MEMBERS_READ = "tenantry:members:read"
MEMBERS_INVITE = "tenantry:members:invite"
MEMBERS_MANAGE = "tenantry:members:manage"
ORGANIZATION_MANAGE = "tenantry:organization:manage"
BUILTIN_PERMISSIONS = {
    MEMBERS_READ: "See the organization's members on the hosted pages.",
    MEMBERS_INVITE: "Invite people to the organization on the hosted pages.",
    MEMBERS_MANAGE: "Change members' roles, remove members, resend and revoke invitations.",
    ORGANIZATION_MANAGE: "Change the organization's settings on the hosted pages.",
}
RESERVED_PREFIX = "tenantry:"

ROLE_NAME = re.compile(r"^[a-zA-Z0-9_]{1,64}$")
PERMISSION_NAME = re.compile(r"^[a-zA-Z0-9_:]{1,64}$")
MAX_PERMISSIONS_PER_ROLE = 1000
MAX_ROLES_PER_MEMBERSHIP = 16


def check_role_name(name: str, field: str = "name") -> str:
    if not ROLE_NAME.fullmatch(name):
        raise InvalidArgument.field(field, "pattern_mismatch", "role names are 1-64 letters, digits or underscores")
    return name


def check_permission_name(name: str, field: str = "name", *, new: bool = False) -> str:
    if not PERMISSION_NAME.fullmatch(name):
        raise InvalidArgument.field(
            field, "pattern_mismatch", "permission names are 1-64 letters, digits, underscores or colons"
        )
    if new and name.startswith(RESERVED_PREFIX):
        raise InvalidArgument.field(field, "reserved", "the tenantry: prefix is reserved for built-in permissions")
    return name


def check_no_cycle(role_id: str, base_id: str | None, base_of: Callable[[str], str | None]) -> None:
    """Refuse making ``role_id`` extend ``base_id`` when ``base_id`` already (transitively)
    extends ``role_id``. ``base_of`` gives a role's current base."""
    seen: set[str] = set()
    current = base_id
    while current is not None and current not in seen:
        if current == role_id:
            raise RoleInheritanceCycle(
                "A role cannot extend itself, directly or through other roles.",
                [FieldError("extends", "role_inheritance_cycle", "this base role already extends the role")],
            )
        seen.add(current)
        current = base_of(current)


def unique_names(names: list[str], field: str) -> list[str]:
    """De-duplicated in order; at least one."""
    kept = list(dict.fromkeys(names))
    if not kept:
        raise InvalidArgument.field(field, "required", "at least one role is required")
    if len(kept) > MAX_ROLES_PER_MEMBERSHIP:
        raise InvalidArgument.field(field, "too_long", f"at most {MAX_ROLES_PER_MEMBERSHIP} roles")
    return kept
