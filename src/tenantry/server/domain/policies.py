"""Who may do what on the hosted pages: Tenantry's own powers are permissions (SPEC §9),
granted through roles like any other. A page asks ``allows(permissions, power)`` with the
member's effective permissions in the organization (``services/membership/access.py``)."""

from __future__ import annotations

from collections.abc import Collection

from tenantry.server.domain.roles import MEMBERS_INVITE, MEMBERS_MANAGE, MEMBERS_READ, ORGANIZATION_MANAGE

# What each hosted-page action needs.
SEE_MEMBERS = MEMBERS_READ
INVITE_MEMBERS = MEMBERS_INVITE
MANAGE_MEMBERS = MEMBERS_MANAGE
MANAGE_ORGANIZATION = ORGANIZATION_MANAGE


def allows(permissions: Collection[str], power: str) -> bool:
    """Whether a member with these effective permissions has ``power``. Managing members
    includes seeing them (the page that manages them shows them)."""
    if power == MEMBERS_READ:
        return MEMBERS_READ in permissions or MEMBERS_MANAGE in permissions
    return power in permissions


def member_powers(permissions: Collection[str]) -> dict[str, bool]:
    """The members page's switches: what to show and which forms to offer."""
    return {
        "see": allows(permissions, SEE_MEMBERS),
        "invite": allows(permissions, INVITE_MEMBERS),
        "manage": allows(permissions, MANAGE_MEMBERS),
        "organization": allows(permissions, MANAGE_ORGANIZATION),
    }
