"""Who may do what on the hosted pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from tenantry.server.domain.memberships import ADMIN, MembershipStatus


class _Membership(Protocol):
    @property
    def organization_id(self) -> str: ...
    @property
    def status(self) -> MembershipStatus: ...
    @property
    def roles(self) -> list[str]: ...


def is_organization_admin(memberships: Iterable[_Membership], organization_id: str) -> bool:
    """Active members with the admin role manage their organization's members."""
    return any(
        m.organization_id == organization_id and m.status is MembershipStatus.ACTIVE and ADMIN in m.roles
        for m in memberships
    )
