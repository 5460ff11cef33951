"""Group → role mapping (SPEC §9, §12): a directory member's roles are the roles its
directory maps from the groups they are in, or the environment's default member role when
none.

Assignments name roles by name (``role_name``), checked against the role catalogue when
they are written; a role deleted since is skipped when the mapping is applied.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import (
    Directory,
    DirectoryGroupMember,
    DirectoryUser,
    Membership,
    MembershipRole,
    Role,
)
from tenantry.server.services.integration import events
from tenantry.server.services.membership import access
from tenantry.server.services.membership import roles as catalogue
from tenantry.server.services.read_models.views import remember_assigned


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


# IN lists are cut this many ids at a time: far below SQLite's limit on bound parameters.
_BATCH = 500


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _BATCH):
        yield list(ids[start : start + _BATCH])


def recompute(
    ctx: Context, session: Session, directory: Directory, directory_user_ids: Iterable[str] | None = None
) -> None:
    """Write the mapped roles onto the memberships of these directory users (``None``: every
    user of the directory). The caller holds the organization's lock; memberships are locked
    in user id order. Raises LastAdmin when the new roles would leave nobody who can manage
    members (SPEC §9 holds for directories too: the change is refused whole).

    Set-based: the members and their current roles, and the mapped groups' members, are read
    in a few statements for the whole directory (or 500 named users at a time); the role
    sets are compared in memory; only the memberships whose roles change are written (one
    DELETE, one INSERT and one UPDATE per 500) and get a membership event each."""
    organization_id = directory.organization_id
    by_group = _roles_by_group(directory)
    named = catalogue.usable_roles(session, organization_id, [n for names in by_group.values() for n in names])
    default = catalogue.member_default(session, organization_id)
    session.flush()
    in_directory = (
        select(Membership.id, Membership.user_id, DirectoryUser.id)
        .join(DirectoryUser, DirectoryUser.user_id == Membership.user_id)
        .where(Membership.organization_id == organization_id, DirectoryUser.directory_id == directory.id)
    )
    members: list[tuple[str, str, str]] = []  # (membership id, user id, directory user id)
    if directory_user_ids is None:
        scopes: list[list[str] | None] = [None]
        locked = in_directory.order_by(Membership.user_id).with_for_update(of=Membership)
        members = [(m, u, d) for m, u, d in session.execute(locked)]
    else:
        ids = sorted(set(directory_user_ids))
        chunks = list(_chunks(ids))
        scopes = list(chunks)
        for chunk in chunks:
            members += [(m, u, d) for m, u, d in session.execute(in_directory.where(DirectoryUser.id.in_(chunk)))]
        members.sort(key=lambda member: member[1])
        for chunk in _chunks([membership_id for membership_id, _, _ in members]):  # in user id order
            session.execute(
                select(Membership.id).where(Membership.id.in_(chunk)).order_by(Membership.user_id).with_for_update()
            ).all()
    if not members:
        return
    groups: dict[str, set[str]] = defaultdict(set)  # directory user id -> its mapped groups
    held: dict[str, list[str]] = defaultdict(list)  # membership id -> role ids, in order
    for scope in scopes:
        in_groups = select(DirectoryGroupMember.directory_user_id, DirectoryGroupMember.group_id).where(
            DirectoryGroupMember.group_id.in_(list(by_group))
        )
        holding = (
            select(MembershipRole.membership_id, MembershipRole.role_id)
            .join(Membership, Membership.id == MembershipRole.membership_id)
            .join(DirectoryUser, DirectoryUser.user_id == Membership.user_id)
            .where(Membership.organization_id == organization_id, DirectoryUser.directory_id == directory.id)
            .order_by(MembershipRole.membership_id, MembershipRole.position)
        )
        if scope is not None:
            in_groups = in_groups.where(DirectoryGroupMember.directory_user_id.in_(scope))
            holding = holding.where(DirectoryUser.id.in_(scope))
        if by_group:
            for row_id, group_id in session.execute(in_groups):
                groups[row_id].add(group_id)
        for membership_id, role_id in session.execute(holding):
            held[membership_id].append(role_id)
    wanted_for: dict[frozenset[str], list[Role]] = {}  # mapped groups -> roles, worked out once each
    changed: dict[str, list[Role]] = {}
    for membership_id, _, row_id in members:
        key = frozenset(groups[row_id])
        if key not in wanted_for:
            wanted_for[key] = [named[name] for name in _names(by_group, key) if name in named] or [default]
        wanted = wanted_for[key]
        if held[membership_id] != [role.id for role in wanted]:
            changed[membership_id] = wanted
    if not changed:
        return
    now = ctx.clock.now()
    # Held while the events are built: the session's identity map keeps objects weakly, and
    # each event names the organization (a dropped one would be read again per event).
    organization = repo.organization(session, organization_id)
    with access.keeping_last_admin(session, organization_id):
        for chunk in _chunks(sorted(changed)):
            session.execute(delete(MembershipRole).where(MembershipRole.membership_id.in_(chunk)))
            session.execute(
                insert(MembershipRole),
                [
                    {"membership_id": membership_id, "role_id": role.id, "position": position}
                    for membership_id in chunk
                    for position, role in enumerate(changed[membership_id])
                ],
            )
            session.execute(
                update(Membership).where(Membership.id.in_(chunk)).values(updated_at=now),
                execution_options={"synchronize_session": False},
            )
    for chunk in _chunks(sorted(changed)):
        for membership in session.scalars(
            select(Membership).where(Membership.id.in_(chunk)).execution_options(populate_existing=True)
        ):
            remember_assigned(session, membership.id, changed[membership.id])
            events.membership_event(session, "user.organization_membership_updated", membership, now)
    del organization
