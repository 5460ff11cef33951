"""Group → role mapping (SPEC §9, §12): a directory member's roles are the roles its
directory maps from the groups they are in, or the environment's default member role when
none.

Assignments name roles by name (``role_name``), checked against the role catalogue when
they are written; a role deleted since is skipped when the mapping is applied.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Directory, DirectoryGroupMember, DirectoryUser
from tenantry.server.services.integration import events
from tenantry.server.services.membership import access, ledger
from tenantry.server.services.membership import roles as catalogue
from tenantry.server.services.read_models.views import held_roles


def mapped(session: Session, directory: Directory, directory_user_id: str) -> list[str]:
    """The role names ``directory_user_id`` gets from its groups; empty = the default member
    role."""
    by_group: dict[str, list[str]] = {}
    for assignment in directory.role_assignments or []:
        by_group.setdefault(str(assignment["group_id"]), []).append(str(assignment["role_name"]))
    if not by_group:
        return []
    groups = session.scalars(
        select(DirectoryGroupMember.group_id).where(DirectoryGroupMember.directory_user_id == directory_user_id)
    )
    names = sorted({name for group_id in groups for name in by_group.get(group_id, [])})
    return catalogue.usable(session, directory.organization_id, names)


def recompute(ctx: Context, session: Session, directory: Directory, directory_user_ids: Iterable[str]) -> None:
    """Write the mapped roles onto the memberships of these directory users. The caller
    holds the organization's lock; memberships are locked in user id order. Raises LastAdmin
    when the new roles would leave nobody who can manage members (SPEC §9 holds for
    directories too: the change is refused whole)."""
    with access.keeping_last_admin(session, directory.organization_id):
        rows = session.scalars(
            select(DirectoryUser)
            .where(DirectoryUser.id.in_(sorted(set(directory_user_ids))))
            .order_by(DirectoryUser.user_id)
        )
        for row in list(rows):
            if repo.find_membership(session, directory.organization_id, row.user_id) is None:
                continue
            membership = ledger.lock_membership(session, directory.organization_id, row.user_id)
            wanted = catalogue.roles_for(session, directory.organization_id, mapped(session, directory, row.id))
            held = [role.id for role in held_roles(session, [membership.id])[membership.id]]
            if held != [role.id for role in wanted]:
                now = ctx.clock.now()
                catalogue.assign(session, membership, wanted)
                membership.updated_at = now
                events.membership_event(session, "user.organization_membership_updated", membership, now)
