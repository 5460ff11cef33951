"""Membership status and roles: pure rules, no storage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from tenantry.server.domain.errors import FieldError, InvalidArgument

ADMIN = "admin"
MEMBER = "member"
ROLES = (ADMIN, MEMBER)


class MembershipStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PENDING_INVITE = "PENDING_INVITE"
    INVITE_EXPIRED = "INVITE_EXPIRED"


def membership_status(accepted_at: datetime | None, expires_at: datetime | None, now: datetime) -> MembershipStatus:
    """Derived from the invitation's expiry and the clock, so it is never stale.

    An accepted membership is active; an unaccepted one is pending until ``expires_at``
    (exclusive) and expired from then on.
    """
    if accepted_at is not None:
        return MembershipStatus.ACTIVE
    if expires_at is not None and now < expires_at:
        return MembershipStatus.PENDING_INVITE
    return MembershipStatus.INVITE_EXPIRED


def normalize_roles(names: Iterable[str], field: str = "roles") -> list[str]:
    """Known role names, de-duplicated in order; at least one. Raises InvalidArgument."""
    roles: list[str] = []
    for name in names:
        if name not in ROLES:
            raise InvalidArgument(
                f"Unknown role {name!r}.",
                [FieldError(field, "unknown_role", f"role must be one of {', '.join(ROLES)}")],
            )
        if name not in roles:
            roles.append(name)
    if not roles:
        raise InvalidArgument.field(field, "required", "at least one role is required")
    return roles
