"""Group → role mapping (SPEC §9, §12): a directory member's roles are the roles its
directory maps from the groups they are in, or the default member role when none.

Assignments name roles by name (``role_name``), so they keep working when the role
catalogue grows beyond ``admin``/``member``; names are checked by the same rule as every
other role write (``normalize_roles``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Directory, DirectoryGroupMember, DirectoryUser
from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.domain.memberships import MEMBER, normalize_roles
from tenantry.server.services.integration import events
from tenantry.server.services.membership import ledger


def mapped(session: Session, directory: Directory, directory_user_id: str) -> list[str]:
    """The roles ``directory_user_id`` gets from its groups (default: member)."""
    by_group: dict[str, list[str]] = {}
    for assignment in directory.role_assignments or []:
        by_group.setdefault(str(assignment["group_id"]), []).append(str(assignment["role_name"]))
    if not by_group:
        return [MEMBER]
    groups = session.scalars(
        select(DirectoryGroupMember.group_id).where(DirectoryGroupMember.directory_user_id == directory_user_id)
    )
    names = {name for group_id in groups for name in by_group.get(group_id, [])}
    valid = []
    for name in sorted(names):
        try:  # a role removed from the catalogue since it was mapped is skipped
            valid += normalize_roles([name])
        except InvalidArgument:
            continue
    return valid or [MEMBER]


def recompute(ctx: Context, session: Session, directory: Directory, directory_user_ids: Iterable[str]) -> None:
    """Write the mapped roles onto the memberships of these directory users. The caller
    holds the organization's lock; memberships are locked in user id order."""
    rows = session.scalars(
        select(DirectoryUser)
        .where(DirectoryUser.id.in_(sorted(set(directory_user_ids))))
        .order_by(DirectoryUser.user_id)
    )
    for row in list(rows):
        if repo.find_membership(session, directory.organization_id, row.user_id) is None:
            continue
        membership = ledger.lock_membership(session, directory.organization_id, row.user_id)
        roles = mapped(session, directory, row.id)
        if list(membership.roles) != roles:
            now = ctx.clock.now()
            membership.roles = roles
            membership.updated_at = now
            events.membership_event(session, "user.organization_membership_updated", membership, now)
