"""Group → role mapping (SPEC §9, §12): a directory member's roles are the roles its
directory maps from the groups they are in, or the environment's default member role when
none.

Assignments name roles by name (``role_name``), checked against the role catalogue when
they are written; a role deleted since is skipped when the mapping is applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Directory, DirectoryGroupMember, DirectoryUser, Membership, Role
from tenantry.server.services.integration import events
from tenantry.server.services.membership import access
from tenantry.server.services.membership import roles as catalogue
from tenantry.server.services.read_models.views import held_roles


def _roles_by_group(directory: Directory) -> dict[str, list[str]]:
    """The directory's group → role mapping: role names by group id."""
    by_group: dict[str, list[str]] = {}
    for assignment in directory.role_assignments or []:
        by_group.setdefault(str(assignment["group_id"]), []).append(str(assignment["role_name"]))
    return by_group


def _names(by_group: dict[str, list[str]], group_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({name for group_id in group_ids for name in by_group.get(group_id, [])}))


def mapped(session: Session, directory: Directory, directory_user_id: str) -> list[str]:
    """The role names ``directory_user_id`` gets from its groups; empty = the default member
    role."""
    by_group = _roles_by_group(directory)
    if not by_group:
        return []
    groups = session.scalars(
        select(DirectoryGroupMember.group_id).where(DirectoryGroupMember.directory_user_id == directory_user_id)
    )
    return catalogue.usable(session, directory.organization_id, _names(by_group, groups))


# Members are read and locked this many at a time: one statement per step for a whole batch
# (a mapping change re-checks every member of the directory; 10,000 one by one took minutes),
# and IN lists stay far below SQLite's limit on bound parameters.
_BATCH = 500


def recompute(ctx: Context, session: Session, directory: Directory, directory_user_ids: Iterable[str]) -> None:
    """Write the mapped roles onto the memberships of these directory users. The caller
    holds the organization's lock; memberships are locked in user id order. Raises LastAdmin
    when the new roles would leave nobody who can manage members (SPEC §9 holds for
    directories too: the change is refused whole)."""
    organization_id = directory.organization_id
    by_group = _roles_by_group(directory)
    wanted_for: dict[tuple[str, ...], list[Role]] = {}  # role names -> roles, resolved once each
    ids = sorted(set(directory_user_ids))
    pairs: list[tuple[str, str]] = []  # (user id, directory user id)
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        pairs += [
            (user_id, row_id)
            for row_id, user_id in session.execute(
                select(DirectoryUser.id, DirectoryUser.user_id).where(DirectoryUser.id.in_(chunk))
            )
        ]
    pairs.sort()
    with access.keeping_last_admin(session, organization_id):
        for start in range(0, len(pairs), _BATCH):
            batch = pairs[start : start + _BATCH]
            memberships = {
                m.user_id: m
                for m in session.scalars(
                    select(Membership)
                    .where(
                        Membership.organization_id == organization_id,
                        Membership.user_id.in_([user_id for user_id, _ in batch]),
                    )
                    .order_by(Membership.user_id)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            }
            groups: dict[str, set[str]] = defaultdict(set)
            if by_group:
                for row_id, group_id in session.execute(
                    select(DirectoryGroupMember.directory_user_id, DirectoryGroupMember.group_id).where(
                        DirectoryGroupMember.directory_user_id.in_([row_id for _, row_id in batch])
                    )
                ):
                    groups[row_id].add(group_id)
            held = held_roles(session, [m.id for m in memberships.values()])
            for user_id, row_id in batch:
                membership = memberships.get(user_id)
                if membership is None:  # not (or no longer) a member: nothing to map
                    continue
                names = _names(by_group, groups[row_id])
                if names not in wanted_for:
                    usable = catalogue.usable(session, organization_id, names)
                    wanted_for[names] = catalogue.roles_for(session, organization_id, usable)
                wanted = wanted_for[names]
                if [role.id for role in held[membership.id]] != [role.id for role in wanted]:
                    now = ctx.clock.now()
                    catalogue.assign(session, membership, wanted)
                    membership.updated_at = now
                    events.membership_event(session, "user.organization_membership_updated", membership, now)
