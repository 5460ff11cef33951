"""SCIM Groups of a directory: create, read, list, replace, patch, delete. Membership
changes recompute the roles of the members they touch (group → role mapping), in the same
transaction, under the organization's lock."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from scim2_models import PatchOp, ScimFilter
from sqlalchemy import delete as delete_rows
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Directory, DirectoryGroup, DirectoryGroupMember, DirectoryUser
from tenantry.server.domain.errors import AlreadyExists, FieldError, InvalidArgument, NotFound
from tenantry.server.domain.ids import new_id
from tenantry.server.services.provisioning import filters, related, resources, roles, seats
from tenantry.server.services.provisioning.protocol import POLICY, GroupModel
from tenantry.server.services.provisioning.users import directory, lock_organization


@dataclass(frozen=True)
class Listed:
    total: int
    start_index: int
    resources: list[GroupModel]


def _row(session: Session, directory_id: str, group_id: str) -> DirectoryGroup:
    row = session.get(DirectoryGroup, group_id)
    if row is None or row.directory_id != directory_id:
        raise NotFound(f"No Group with id {group_id!r} in this directory.")
    return row


def _view(ctx: Context, session: Session, row: DirectoryGroup, *, members: bool = True) -> GroupModel:
    session.flush()
    base = related.base_url(ctx.settings.public_url, row.directory_id)
    found = related.members_of(session, [row.id])[row.id] if members else []
    return resources.group_model(row, base, found)


def _members(session: Session, directory_id: str, resource: GroupModel) -> dict[str, str | None]:
    """The directory users ``resource`` lists as members, with the ``display`` sent for
    each. Raises InvalidArgument for a value that is not a User of this directory."""
    wanted = {str(member.value): member.display for member in resource.members or [] if member.value}
    _check_users(session, directory_id, wanted)
    return wanted


def _check_users(session: Session, directory_id: str, wanted: Collection[str]) -> None:
    """Raises InvalidArgument for a member value that is not a User of this directory."""
    if not wanted:
        return
    known: set[str] = set()
    for chunk in _chunks(sorted(wanted)):
        known.update(
            session.scalars(
                select(DirectoryUser.id).where(DirectoryUser.directory_id == directory_id, DirectoryUser.id.in_(chunk))
            )
        )
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise InvalidArgument(
            f"members: no User with id {unknown[0]!r} in this directory.",
            [FieldError("members", "invalidValue", "every member must be a User of this directory")],
        )


def _chunks(ids: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _write(session: Session, row: DirectoryGroup, resource: GroupModel) -> None:
    row.display_name = resource.display_name or ""
    row.display_name_key = row.display_name.lower()
    row.external_id = resource.external_id
    row.document = resources.stored(resource)
    if not row.display_name:
        raise InvalidArgument.field("displayName", "invalidValue", "a group needs a displayName")
    clash = session.scalar(
        select(DirectoryGroup.id).where(
            DirectoryGroup.directory_id == row.directory_id,
            DirectoryGroup.display_name_key == row.display_name_key,
            DirectoryGroup.id != row.id,
        )
    )
    if clash is not None:
        raise AlreadyExists(
            f"A group named {row.display_name!r} already exists in this directory.",
            [FieldError("displayName", "uniqueness", "already in use in this directory")],
        )


def _set_members(session: Session, row: DirectoryGroup, wanted: dict[str, str | None]) -> set[str]:
    """Make the group's members ``wanted``; returns the users whose groups changed."""
    current = {
        member.directory_user_id: member
        for member in session.scalars(select(DirectoryGroupMember).where(DirectoryGroupMember.group_id == row.id))
    }
    gone, added = set(current) - set(wanted), set(wanted) - set(current)
    if gone:
        session.execute(
            delete_rows(DirectoryGroupMember).where(
                DirectoryGroupMember.group_id == row.id, DirectoryGroupMember.directory_user_id.in_(gone)
            )
        )
    for user_id, member in current.items():
        if user_id in wanted and member.display != wanted[user_id]:
            member.display = wanted[user_id]
    session.add_all(
        DirectoryGroupMember(group_id=row.id, directory_user_id=user_id, display=wanted[user_id])
        for user_id in sorted(added)
    )
    session.flush()
    return gone | added


def _mapped(found: Directory, group_id: str) -> bool:
    return any(str(a.get("group_id")) == group_id for a in found.role_assignments or [])


def create(ctx: Context, directory_id: str, resource: GroupModel) -> GroupModel:
    """Raises AlreadyExists (displayName), InvalidArgument (members)."""
    with ctx.uow() as uow:
        session = uow.session
        found = directory(session, directory_id)
        lock_organization(session, found)  # and the directory read again: deleted meanwhile, NotFound
        now = ctx.clock.now()
        row = DirectoryGroup(id=new_id("dirg"), directory_id=directory_id, created_at=now, updated_at=now)
        _write(session, row, resource)
        session.add(row)
        session.flush()
        _set_members(session, row, _members(session, directory_id, resource))
        view = _view(ctx, session, row)
        uow.commit()
        return view


def get(ctx: Context, directory_id: str, group_id: str, *, members: bool = True) -> GroupModel:
    with ctx.uow(readonly=True) as uow:
        return _view(ctx, uow.session, _row(uow.session, directory_id, group_id), members=members)


def list_(
    ctx: Context,
    directory_id: str,
    scim_filter: ScimFilter[Any] | None,
    start_index: int,
    count: int,
    *,
    members: bool = True,
) -> Listed:
    with ctx.uow(readonly=True) as uow:
        session = uow.session
        directory(session, directory_id)
        base = related.base_url(ctx.settings.public_url, directory_id)
        where = [DirectoryGroup.directory_id == directory_id]
        clause = filters.groups_where(scim_filter.ast) if scim_filter is not None else None
        ordered = select(DirectoryGroup).order_by(DirectoryGroup.created_at, DirectoryGroup.id)
        if scim_filter is not None and clause is None:
            rows = list(session.scalars(ordered.where(*where)))
            with POLICY:
                matching = [m for m in _models(session, rows, base, True) if scim_filter.match(m)]
            return Listed(len(matching), start_index, matching[start_index - 1 : start_index - 1 + count])
        if clause is not None:
            where.append(clause)
        total = session.scalar(select(func.count()).select_from(DirectoryGroup).where(*where)) or 0
        rows = list(session.scalars(ordered.where(*where).offset(start_index - 1).limit(count))) if count else []
        return Listed(total, start_index, _models(session, rows, base, members))


def _models(session: Session, rows: list[DirectoryGroup], base: str, members: bool) -> list[GroupModel]:
    found = related.members_of(session, [row.id for row in rows]) if members else {}
    return [resources.group_model(row, base, found.get(row.id, [])) for row in rows]


def replace(ctx: Context, directory_id: str, group_id: str, resource: GroupModel) -> GroupModel:
    return _change(ctx, directory_id, group_id, lambda _old: resource)


def patch(
    ctx: Context, directory_id: str, group_id: str, operations: PatchOp[Any], *, members: bool = True
) -> GroupModel:
    """``members``: whether the answer lists the group's members (not when the request
    excludes them). A PATCH that only adds and removes members, in the shapes Okta and Entra
    ID send, touches only the members it names; any other is applied to the whole group."""
    changes = _member_changes(operations)
    if changes is not None:
        who = _who(group_id)
        return seats.refusing(
            ctx, directory_id, lambda: who, lambda: _patch_members(ctx, directory_id, group_id, changes, who, members)
        )

    def changed(old: GroupModel) -> GroupModel:
        operations.patch(old, scim_policy=POLICY)
        return old

    return _change(ctx, directory_id, group_id, changed, members)


# Okta's remove of one member: ``members[value eq "<id>"]`` (attribute names are case-insensitive).
_ONE_MEMBER = re.compile(r'^members\[value eq "([^"\\]+)"\]$', re.IGNORECASE)
_ADDED_KEYS = {"value", "display", "type", "$ref"}  # what an added member may carry


def _member_changes(operations: PatchOp[Any]) -> list[tuple[bool, dict[str, str | None]]] | None:
    """The operations as member additions (True) and removals (False) in order, each with
    the user ids it names and the ``display`` sent for them; None when any operation is
    something else (or a shape whose meaning needs the whole group, like removing every
    member), which is then applied to the whole group."""
    changes: list[tuple[bool, dict[str, str | None]]] = []
    for operation in operations.operations or []:
        op = operation.op.value
        path = str(operation.path) if operation.path is not None else ""
        one = _ONE_MEMBER.match(path)
        if op == "remove" and one is not None and operation.value is None:
            changes.append((False, {one.group(1): None}))
            continue
        items = operation.value
        if op not in ("add", "remove") or path.lower() != "members" or not isinstance(items, list) or not items:
            return None
        allowed = _ADDED_KEYS if op == "add" else {"value"}
        for item in items:
            if not (isinstance(item, dict) and set(item) <= allowed and isinstance(item.get("value"), str)):
                return None
            if not isinstance(item.get("display"), str | None) or not item["value"]:
                return None
        changes.append((op == "add", {item["value"]: item.get("display") for item in items}))
    return changes


def _patch_members(
    ctx: Context,
    directory_id: str,
    group_id: str,
    changes: list[tuple[bool, dict[str, str | None]]],
    who: dict[str, Any],
    members: bool,
) -> GroupModel:
    """Member additions and removals applied to the named members only: their rows are
    read, written and (in a mapped group) their roles recomputed; the rest of the group is
    not loaded. The outcome is the one applying the operations to the whole group gives."""
    with ctx.uow() as uow:
        session = uow.session
        found, row = _locked(session, directory_id, group_id, who)
        final: dict[str, tuple[bool, str | None]] = {}  # user id -> (a member after, display)
        for add, named in changes:
            final.update((user_id, (add, display)) for user_id, display in named.items())
        current: dict[str, DirectoryGroupMember] = {}
        for chunk in _chunks(sorted(final)):
            current.update(
                (member.directory_user_id, member)
                for member in session.scalars(
                    select(DirectoryGroupMember).where(
                        DirectoryGroupMember.group_id == row.id, DirectoryGroupMember.directory_user_id.in_(chunk)
                    )
                )
            )
        added = sorted(user_id for user_id, (member, _) in final.items() if member and user_id not in current)
        gone = sorted(user_id for user_id, (member, _) in final.items() if not member and user_id in current)
        _check_users(session, directory_id, added)
        for chunk in _chunks(gone):
            session.execute(
                delete_rows(DirectoryGroupMember).where(
                    DirectoryGroupMember.group_id == row.id, DirectoryGroupMember.directory_user_id.in_(chunk)
                )
            )
        for user_id, member in current.items():
            still, display = final[user_id]
            if still and member.display != display:
                member.display = display
        session.add_all(
            DirectoryGroupMember(group_id=row.id, directory_user_id=user_id, display=final[user_id][1])
            for user_id in added
        )
        row.updated_at = ctx.clock.now()
        session.flush()
        if (added or gone) and _mapped(found, row.id):
            roles.recompute(ctx, session, found, [*added, *gone])
        view = _view(ctx, session, row, members=members)
        uow.commit()
        return view


def _locked(
    session: Session, directory_id: str, group_id: str, who: dict[str, Any]
) -> tuple[Directory, DirectoryGroup]:
    """The directory and the group, under the organization's lock; ``who`` (what a refusal
    event says) learns the group's name."""
    found = directory(session, directory_id)
    lock_organization(session, found)
    row = _row(session, directory_id, group_id)
    who["group"]["display_name"] = row.display_name
    return found, row


def _who(group_id: str, resource: GroupModel | None = None) -> dict[str, Any]:
    """What a ``directory.user_refused`` event says of a refused group change."""
    name = resource.display_name if resource is not None else None
    return {"group": {"id": group_id, "display_name": name}}


def _change(
    ctx: Context,
    directory_id: str,
    group_id: str,
    change: Callable[[GroupModel], GroupModel],
    members: bool = True,
) -> GroupModel:
    """Raises LastAdmin (recorded as a refusal) when the mapped roles would demote the
    organization's last manager."""
    holder: list[GroupModel] = []

    def remember(old: GroupModel) -> GroupModel:
        holder.append(change(old))
        return holder[-1]

    return seats.refusing(
        ctx,
        directory_id,
        lambda: _who(group_id, holder[-1] if holder else None),
        lambda: _write_change(ctx, directory_id, group_id, remember, members),
    )


def _write_change(
    ctx: Context, directory_id: str, group_id: str, change: Callable[[GroupModel], GroupModel], members: bool
) -> GroupModel:
    with ctx.uow() as uow:
        session = uow.session
        found = directory(session, directory_id)
        lock_organization(session, found)
        row = _row(session, directory_id, group_id)
        base = related.base_url(ctx.settings.public_url, directory_id)
        resource = change(resources.group_model(row, base, related.members_of(session, [row.id])[row.id]))
        _write(session, row, resource)
        row.updated_at = ctx.clock.now()
        touched = _set_members(session, row, _members(session, directory_id, resource))
        if touched and _mapped(found, row.id):
            roles.recompute(ctx, session, found, touched)
        view = _view(ctx, session, row, members=members)
        uow.commit()
        return view


def delete(ctx: Context, directory_id: str, group_id: str) -> None:
    """Raises LastAdmin (recorded as a refusal) when the group's mapped roles were the
    last manager's power."""
    who = _who(group_id)
    seats.refusing(ctx, directory_id, lambda: who, lambda: _delete(ctx, directory_id, group_id, who))


def _delete(ctx: Context, directory_id: str, group_id: str, who: dict[str, Any]) -> None:
    with ctx.uow() as uow:
        session = uow.session
        found, row = _locked(session, directory_id, group_id, who)
        touched = _set_members(session, row, {})
        session.delete(row)
        session.flush()
        if _mapped(found, row.id):
            if touched:
                roles.recompute(ctx, session, found, touched)
            # a deleted group maps to nothing any more
            found.role_assignments = [a for a in found.role_assignments if str(a.get("group_id")) != row.id]
        uow.commit()
