"""The roles and permissions catalogue (SPEC §9): environment roles, organization roles,
permissions, inheritance, default roles, and which roles a membership holds.

Memberships hold roles by id (``membership_roles``), so a rename keeps every assignment.
Deleting a role that members hold moves them to the role named in the request, in the same
transaction. Role and permission changes are recorded as ``role.*`` / ``permission.*``
events; tokens and pages read effective permissions fresh (``access.py``), so there is no
cache to invalidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import config_stamp
from tenantry.server.db import repositories as repo
from tenantry.server.db.inserts import Row
from tenantry.server.db.models import Membership, MembershipRole, Organization, Permission, Role, RolePermission
from tenantry.server.db.paging import fetch_page
from tenantry.server.domain.errors import (
    AlreadyExists,
    BuiltinRole,
    FieldError,
    InvalidArgument,
    NotFound,
    RoleHasDependents,
    RoleInUse,
)
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.domain.roles import (
    ADMIN,
    BUILTIN_PERMISSIONS,
    MEMBER,
    RESERVED_PREFIX,
    check_no_cycle,
    check_permission_name,
    check_role_name,
    unique_names,
)
from tenantry.server.services.commands import CreatePermission, CreateRole, UpdatePermission, UpdateRole
from tenantry.server.services.integration import events
from tenantry.server.services.membership import access, ledger
from tenantry.server.services.read_models.views import RoleRef, forget_assigned, remember_assigned

Include = Literal["", "permissions", "permissions:all"]


@dataclass(frozen=True)
class PermissionView:
    id: str
    name: str
    description: str
    builtin: bool
    create_time: datetime
    update_time: datetime
    role_name: str | None = None  # with ``include``: the role that grants it


@dataclass(frozen=True)
class RoleView:
    id: str
    name: str
    display_name: str
    description: str
    extends: str | None
    organization_id: str | None
    builtin: bool
    default_creator: bool
    default_member: bool
    dependent_roles_count: int
    create_time: datetime
    update_time: datetime
    permissions: list[PermissionView] | None = None


def permission_view(row: Permission, role_name: str | None = None) -> PermissionView:
    return PermissionView(row.id, row.name, row.description, row.builtin, row.created_at, row.updated_at, role_name)


# ---- lookups -------------------------------------------------------------------------


def _visible(organization_id: str | None) -> Any:
    """Roles usable in an organization: the environment's and its own."""
    if organization_id is None:
        return Role.organization_id.is_(None)
    return or_(Role.organization_id.is_(None), Role.organization_id == organization_id)


def _role(session: Session, name: str, organization_id: str | None = None, *, own: bool = False) -> Role:
    """The role called ``name``: an environment role, or (with ``organization_id``) one of
    that organization's; ``own`` = only the organization's own roles."""
    stmt = select(Role).where(Role.name == name)
    stmt = stmt.where(Role.organization_id == organization_id) if own else stmt.where(_visible(organization_id))
    found = session.scalar(stmt.order_by(Role.organization_id.is_(None)))
    if found is None:
        raise NotFound(f"No role named {name!r}.", [FieldError("role_name", "not_found", "unknown role")])
    return found


def _permission(session: Session, name: str) -> Permission:
    found = session.scalar(select(Permission).where(Permission.name == name))
    if found is None:
        raise NotFound(
            f"No permission named {name!r}.", [FieldError("permission_name", "not_found", "unknown permission")]
        )
    return found


def _permissions_named(session: Session, names: Iterable[str], field: str = "permissions") -> list[Permission]:
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    found = {p.name: p for p in session.scalars(select(Permission).where(Permission.name.in_(wanted)))}
    missing = [name for name in wanted if name not in found]
    if missing:
        raise InvalidArgument(
            f"Unknown permission {missing[0]!r}: create it first.",
            [FieldError(field, "unknown_permission", f"no permission named {name}") for name in missing[:10]],
        )
    return [found[name] for name in wanted]


def resolve(session: Session, organization_id: str, names: Iterable[str], field: str = "roles") -> list[Role]:
    """Roles named ``names`` usable in the organization (environment or its own), in order.
    Raises InvalidArgument (unknown_role) naming the missing ones."""
    wanted = unique_names(list(names), field)
    rows = session.scalars(select(Role).where(Role.name.in_(wanted), _visible(organization_id)))
    found: dict[str, Role] = {}
    for row in rows:
        if row.name not in found or row.organization_id is not None:
            found[row.name] = row
    missing = [name for name in wanted if name not in found]
    if missing:
        known = session.scalars(select(Role.name).where(_visible(organization_id)).order_by(Role.name).limit(20))
        raise InvalidArgument(
            f"Unknown role {missing[0]!r}.",
            [FieldError(field, "unknown_role", f"role must be one of {', '.join(known)}")],
        )
    return [found[name] for name in wanted]


# Built once: every invitation without roles asks (issue 18).
_DEFAULT_ROLE = {
    kind: select(Role).where(column.is_(True), Role.organization_id.is_(None))
    for kind, column in (("creator", Role.default_creator), ("member", Role.default_member))
}


def default_role(session: Session, kind: Literal["creator", "member"]) -> Role:
    found = session.scalar(_DEFAULT_ROLE[kind])
    if found is None:  # the flags are moved, never cleared; a fresh database seeds them
        found = session.scalar(select(Role).where(Role.name == (ADMIN if kind == "creator" else MEMBER)))
    assert found is not None
    return found


def member_default(session: Session, organization_id: str) -> Role:
    """The role a new member of the organization gets when none is named: the organization's
    own choice (``set_organization_default``), else the environment's default member role."""
    # The organization is usually loaded (and locked) already: the identity map answers, no statement.
    org = session.get(Organization, organization_id)
    chosen = org.default_member_role_id if org is not None else None
    found = session.get(Role, chosen) if chosen else None
    return found if found is not None else default_role(session, "member")


def roles_for(
    session: Session, organization_id: str, default_member_role_id: str | None, names: Iterable[str] | None, field: str
) -> list[RoleRef]:
    """The roles named, or the organization's default member role when none are
    (``default_member_role_id``: the organization's own choice, read with its lock)."""
    names = list(names or [])
    if names:
        found = resolve(session, organization_id, names, field)
        return [RoleRef(role.id, role.name, role.display_name) for role in found]
    chosen = session.get(Role, default_member_role_id) if default_member_role_id else None
    if chosen is None:
        # Every invitation without roles asks: kept per process under the configuration stamp.
        return [config_stamp.cached(session, "default_member_role", _default_member_ref)]
    return [RoleRef(chosen.id, chosen.name, chosen.display_name)]


def _default_member_ref(session: Session) -> RoleRef:
    role = default_role(session, "member")
    return RoleRef(role.id, role.name, role.display_name)


def usable(session: Session, organization_id: str, names: Iterable[str]) -> list[str]:
    """Those of ``names`` the organization can use (environment roles or its own), in order,
    without repeats: a mapping written before a role was deleted skips it."""
    wanted = list(dict.fromkeys(names))
    known = usable_roles(session, organization_id, wanted)
    return [name for name in wanted if name in known]


def usable_roles(session: Session, organization_id: str, names: Iterable[str]) -> dict[str, Role]:
    """Those of the roles named that the organization can use, by name, in one statement."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    found = session.scalars(select(Role).where(Role.name.in_(wanted), _visible(organization_id)))
    return {role.name: role for role in found}


_INSERT_MEMBERSHIP_ROLES = insert(MembershipRole)  # built once (issue 18)


def assign(
    session: Session, membership: Membership | Row, roles: Sequence[Role | RoleRef], *, new: bool = False
) -> None:
    """Make ``roles`` (in order) the membership's roles (``new``: it holds none yet, a row
    ``lifecycle.start`` has just written)."""
    session.flush()
    if not new:
        session.execute(delete(MembershipRole).where(MembershipRole.membership_id == membership.id))
    rows = [{"membership_id": membership.id, "role_id": role.id, "position": p} for p, role in enumerate(roles)]
    if rows:  # Core, not add + flush: nothing in this unit of work reads these rows as objects (issue 18)
        session.connection().execute(_INSERT_MEMBERSHIP_ROLES, rows)
    remember_assigned(session, membership.id, roles)


# ---- views ---------------------------------------------------------------------------


def _views(session: Session, rows: list[Role], include: Include = "") -> list[RoleView]:
    ids = [row.id for row in rows]
    names = dict(session.execute(select(Role.id, Role.name)).all()) if rows else {}
    dependents: dict[str, int] = {}
    if ids:
        counted = session.execute(
            select(Role.extends_id, func.count()).where(Role.extends_id.in_(ids)).group_by(Role.extends_id)
        )
        dependents = {str(base_id): int(count) for base_id, count in counted}
    granted: dict[str, list[PermissionView]] = {}
    if include and ids:
        for row in rows:
            granted[row.id] = _granted(session, row, include == "permissions:all", names)
    return [
        RoleView(
            id=row.id,
            name=row.name,
            display_name=row.display_name,
            description=row.description,
            extends=names.get(row.extends_id) if row.extends_id else None,
            organization_id=row.organization_id,
            builtin=row.builtin,
            default_creator=row.default_creator,
            default_member=row.default_member,
            dependent_roles_count=dependents.get(row.id, 0),
            create_time=row.created_at,
            update_time=row.updated_at,
            permissions=granted.get(row.id) if include else None,
        )
        for row in rows
    ]


def _chain(session: Session, role: Role) -> list[Role]:
    """The role and the roles it extends, nearest first."""
    chain = [role]
    seen = {role.id}
    while chain[-1].extends_id and chain[-1].extends_id not in seen:
        base = session.get(Role, chain[-1].extends_id)
        if base is None:
            break
        seen.add(base.id)
        chain.append(base)
    return chain


def _granted(session: Session, role: Role, inherited: bool, names: dict[str, str]) -> list[PermissionView]:
    sources = _chain(session, role) if inherited else [role]
    views: dict[str, PermissionView] = {}
    for source in sources:
        rows = session.scalars(
            select(Permission)
            .join(RolePermission, RolePermission.permission_id == Permission.id)
            .where(RolePermission.role_id == source.id)
            .order_by(Permission.name)
        )
        for row in rows:
            views.setdefault(row.name, permission_view(row, source.name))
    return sorted(views.values(), key=lambda view: view.name)


def _one(session: Session, role: Role, include: Include = "permissions") -> RoleView:
    session.flush()
    return _views(session, [role], include)[0]


def _role_event(session: Session, event_type: str, view: RoleView, now: datetime) -> None:
    from tenantry.server.services.read_models import representations

    data = {"role": representations.role(view).model_dump(mode="json")}
    events.record(
        session, event_type, data, ordering_key=f"role:{view.id}", now=now, organization_id=view.organization_id
    )


def _permission_event(session: Session, event_type: str, view: PermissionView, now: datetime) -> None:
    from tenantry.server.services.read_models import representations

    data = {"permission": representations.permission(view).model_dump(mode="json")}
    events.record(session, event_type, data, ordering_key=f"permission:{view.id}", now=now)


# ---- roles ---------------------------------------------------------------------------


def list_roles(ctx: Context, organization_id: str | None = None, include: Include = "") -> list[RoleView]:
    """Environment roles; with ``organization_id``, also that organization's own roles."""
    with ctx.uow(readonly=True) as uow:
        if organization_id is not None:
            repo.organization(uow.session, organization_id)
        rows = list(
            uow.session.scalars(
                select(Role).where(_visible(organization_id)).order_by(Role.organization_id.is_not(None), Role.name)
            )
        )
        return _as_seen_by(uow.session, _views(uow.session, rows, include), organization_id)


def get_role(ctx: Context, name: str, organization_id: str | None = None, include: Include = "") -> RoleView:
    with ctx.uow(readonly=True) as uow:
        if organization_id is not None:
            repo.organization(uow.session, organization_id)
        view = _one(uow.session, _role(uow.session, name, organization_id), include)
        return _as_seen_by(uow.session, [view], organization_id)[0]


def _as_seen_by(session: Session, views: list[RoleView], organization_id: str | None) -> list[RoleView]:
    """Inside an organization, ``default_member`` marks the role its new members get."""
    if organization_id is None:
        return views
    default = member_default(session, organization_id).id
    return [replace(view, default_member=view.id == default) for view in views]


def _check_free(session: Session, name: str, organization_id: str | None, except_id: str | None = None) -> None:
    """Role names are unique among the roles an organization sees: an organization role may
    not take an environment role's name, nor an environment role an organization role's."""
    stmt = select(Role.id).where(Role.name == name)
    if organization_id is not None:
        stmt = stmt.where(_visible(organization_id))
    taken = session.scalar(stmt.limit(1)) if except_id is None else session.scalar(stmt.where(Role.id != except_id))
    if taken is not None:
        raise AlreadyExists(f"A role named {name!r} already exists.", [FieldError("name", "already_exists", "taken")])


def _set_base(session: Session, role: Role, base_name: str | None) -> None:
    if base_name is None:
        role.extends_id = None
        return
    base = _role(session, base_name, role.organization_id)
    if role.organization_id is None and base.organization_id is not None:
        raise InvalidArgument.field("extends", "not_found", "an environment role can only extend environment roles")

    def base_of(role_id: str) -> str | None:
        found = session.get(Role, role_id)
        return found.extends_id if found else None

    check_no_cycle(role.id, base.id, base_of)
    role.extends_id = base.id


def _set_permissions(session: Session, role: Role, names: list[str]) -> None:
    wanted = _permissions_named(session, names)
    session.flush()
    session.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
    session.add_all(RolePermission(role_id=role.id, permission_id=p.id) for p in wanted)


def _family(session: Session, role: Role) -> list[str]:
    """The role's id and those of every role extending it, transitively."""
    family = [role.id]
    frontier = [role.id]
    while frontier:
        frontier = [
            found
            for found in session.scalars(select(Role.id).where(Role.extends_id.in_(frontier)))
            if found not in family
        ]
        family.extend(frontier)
    return family


@contextmanager
def _keeping_managers(session: Session, role: Role) -> Iterator[None]:
    """Around an edit of ``role``'s permissions or base: when the edit takes
    ``tenantry:members:manage`` away from it or a role extending it, check the last-admin
    rule in every organization holding those roles (``access.guard_catalogue_change``)."""
    family = _family(session, role)
    before = access.granting_manage(session, family)
    yield
    session.flush()
    access.guard_catalogue_change(session, before - access.granting_manage(session, family), role.organization_id)


def create_role(ctx: Context, data: CreateRole, organization_id: str | None = None) -> RoleView:
    check_role_name(data.name)
    with ctx.uow() as uow:
        session = uow.session
        if organization_id is not None:
            ledger.lock_organization(session, organization_id)
        now = ctx.clock.now()
        _check_free(session, data.name, organization_id)
        role = Role(
            id=new_id("role"),
            organization_id=organization_id,
            name=data.name,
            display_name=data.display_name,
            description=data.description,
            builtin=False,
            default_creator=False,
            default_member=False,
            created_at=now,
            updated_at=now,
        )
        session.add(role)
        session.flush()
        _set_base(session, role, data.extends)
        _set_permissions(session, role, data.permissions)
        view = _one(session, role)
        _role_event(session, "role.created", view, now)
        uow.commit()
        return view


def update_role(ctx: Context, name: str, data: UpdateRole, organization_id: str | None = None) -> RoleView:
    """Partial update. Raises NotFound, AlreadyExists (new name taken), BuiltinRole (renaming
    admin or member), RoleInheritanceCycle, InvalidArgument (unknown permission), LastAdmin
    (the new permissions or base leave an organization with nobody who can manage members)."""
    fields = data.model_fields_set
    with ctx.uow() as uow:
        session = uow.session
        if organization_id is not None:
            ledger.lock_organization(session, organization_id)
        role = _role(session, name, organization_id, own=organization_id is not None)
        now = ctx.clock.now()
        if data.name is not None and data.name != role.name:
            if role.builtin:
                raise BuiltinRole("The built-in roles admin and member cannot be renamed.")
            _check_free(session, data.name, role.organization_id, except_id=role.id)
            role.name = data.name
        for attribute in ("display_name", "description"):
            if attribute in fields:
                value = getattr(data, attribute)
                if value is None:
                    raise InvalidArgument.field(attribute, "required", f"{attribute} cannot be null")
                setattr(role, attribute, value)
        with _keeping_managers(session, role):
            if "extends" in fields:
                _set_base(session, role, data.extends)
            if data.permissions is not None:
                _set_permissions(session, role, data.permissions)
        role.updated_at = now
        forget_assigned(session)
        view = _one(session, role)
        _role_event(session, "role.updated", view, now)
        uow.commit()
        return view


def delete_role(
    ctx: Context, name: str, reassign_role_name: str | None = None, organization_id: str | None = None
) -> None:
    """Delete a role. Members holding it move to ``reassign_role_name`` (keeping their other
    roles); without one, a role in use answers RoleInUse. Raises NotFound, BuiltinRole,
    RoleHasDependents (other roles extend it), LastAdmin (moving the holders would leave an
    organization without anyone who can manage members)."""
    with ctx.uow() as uow:
        session = uow.session
        role = _role(session, name, organization_id, own=organization_id is not None)
        if role.builtin:
            raise BuiltinRole("The built-in roles admin and member cannot be deleted.")
        if role.default_creator or role.default_member:
            raise BuiltinRole("This role is a default role: make another role the default first.")
        if session.scalar(select(Organization.id).where(Organization.default_member_role_id == role.id).limit(1)):
            raise BuiltinRole("An organization gives this role to new members: make another role its default first.")
        if session.scalar(select(Role.id).where(Role.extends_id == role.id).limit(1)) is not None:
            raise RoleHasDependents()
        holders = select(MembershipRole.membership_id).where(MembershipRole.role_id == role.id)
        organization_ids = sorted(
            set(session.scalars(select(Membership.organization_id).where(Membership.id.in_(holders))))
        )
        if organization_ids:
            if not reassign_role_name:
                raise RoleInUse(
                    f"{_count(session, role.id)} member(s) hold the role {name!r}: name a role to move them to.",
                    [FieldError("reassign_role_name", "required", "members hold this role")],
                )
            target = _role(session, reassign_role_name, role.organization_id)
            if target.id == role.id:
                raise InvalidArgument.field("reassign_role_name", "invalid", "name a different role")
            ledger.lock_organizations(session, organization_ids)
            with access.keeping_last_admin(session, *organization_ids):
                _move_holders(session, role.id, target.id)
        now = ctx.clock.now()
        view = _one(session, role, "")
        session.delete(role)
        session.flush()
        _role_event(session, "role.deleted", view, now)
        uow.commit()


def _move_holders(session: Session, old_id: str, new_id_: str) -> None:
    forget_assigned(session)
    already = select(MembershipRole.membership_id).where(MembershipRole.role_id == new_id_)
    session.execute(
        delete(MembershipRole).where(MembershipRole.role_id == old_id, MembershipRole.membership_id.in_(already))
    )
    session.execute(update(MembershipRole).where(MembershipRole.role_id == old_id).values(role_id=new_id_))
    session.flush()


def _count(session: Session, role_id: str) -> int:
    return session.scalar(select(func.count()).where(MembershipRole.role_id == role_id)) or 0


def users_count(ctx: Context, name: str, organization_id: str | None = None) -> int:
    """Memberships holding the role (within the organization, with ``organization_id``)."""
    with ctx.uow(readonly=True) as uow:
        role = _role(uow.session, name, organization_id)
        stmt = select(func.count()).select_from(MembershipRole).where(MembershipRole.role_id == role.id)
        if organization_id is not None:
            stmt = stmt.join(Membership, Membership.id == MembershipRole.membership_id).where(
                Membership.organization_id == organization_id
            )
        return uow.session.scalar(stmt) or 0


def dependents(ctx: Context, name: str) -> list[RoleView]:
    with ctx.uow(readonly=True) as uow:
        role = _role(uow.session, name)
        rows = list(uow.session.scalars(select(Role).where(Role.extends_id == role.id).order_by(Role.name)))
        return _views(uow.session, rows)


def role_permissions(ctx: Context, name: str, *, inherited: bool = False) -> list[PermissionView]:
    with ctx.uow(readonly=True) as uow:
        role = _role(uow.session, name)
        return _granted(uow.session, role, inherited, {})


def add_permissions(ctx: Context, name: str, permission_names: list[str]) -> list[PermissionView]:
    """Grant permissions directly to a role (already granted ones are kept once)."""
    if not permission_names:
        raise InvalidArgument.field("permission_names", "required", "name at least one permission")
    for permission in permission_names:
        check_permission_name(permission, "permission_names")
    with ctx.uow() as uow:
        session = uow.session
        role = _role(session, name)
        wanted = _permissions_named(session, permission_names, "permission_names")
        have = set(session.scalars(select(RolePermission.permission_id).where(RolePermission.role_id == role.id)))
        session.add_all(RolePermission(role_id=role.id, permission_id=p.id) for p in wanted if p.id not in have)
        now = ctx.clock.now()
        role.updated_at = now
        _role_event(session, "role.updated", _one(session, role), now)
        granted = _granted(session, role, False, {})
        uow.commit()
        return granted


def remove_permission(ctx: Context, name: str, permission_name: str) -> None:
    """Take a directly granted permission from a role. Raises NotFound, LastAdmin."""
    with ctx.uow() as uow:
        session = uow.session
        role = _role(session, name)
        permission = _permission(session, permission_name)
        with _keeping_managers(session, role):
            done = session.execute(
                delete(RolePermission).where(
                    RolePermission.role_id == role.id, RolePermission.permission_id == permission.id
                )
            )
            if not getattr(done, "rowcount", 0):
                raise NotFound(f"The role {name!r} does not grant {permission_name!r} directly.")
        now = ctx.clock.now()
        role.updated_at = now
        _role_event(session, "role.updated", _one(session, role), now)
        uow.commit()


def remove_base(ctx: Context, name: str, organization_id: str | None = None) -> RoleView:
    return update_role(ctx, name, UpdateRole(extends=None), organization_id)


def set_defaults(ctx: Context, creator: str | None, member: str | None) -> tuple[RoleView, RoleView]:
    """Make environment roles the default creator / member roles (SPEC §9)."""
    with ctx.uow() as uow:
        session = uow.session
        now = ctx.clock.now()
        for kind, wanted in (("creator", creator), ("member", member)):
            if not wanted:
                continue
            role = _role(session, wanted)
            if role.organization_id is not None:
                raise InvalidArgument.field(f"default_{kind}_role", "not_found", "name an environment role")
            column = "default_creator" if kind == "creator" else "default_member"
            session.execute(update(Role).where(getattr(Role, column).is_(True)).values({column: False}))
            session.flush()
            session.refresh(role)
            setattr(role, column, True)
            role.updated_at = now
            session.flush()
            _role_event(session, "role.updated", _one(session, role, ""), now)
        result = (
            _one(session, default_role(session, "creator"), ""),
            _one(session, default_role(session, "member"), ""),
        )
        uow.commit()
        return result


def set_organization_default(ctx: Context, organization_id: str, member: str) -> RoleView:
    """Make ``member`` (an environment role or the organization's own) the role the
    organization's new members get when none is named (Scalekit's default organization
    roles). Raises NotFound (organization), InvalidArgument (unknown role)."""
    with ctx.uow() as uow:
        session = uow.session
        org = ledger.lock_organization(session, organization_id)
        role = resolve(session, organization_id, [member], "default_member_role")[0]
        now = ctx.clock.now()
        org.default_member_role_id = role.id
        org.updated_at = now
        session.flush()
        events.organization_event(session, "organization.updated", org, now)
        view = _as_seen_by(session, [_one(session, role, "")], organization_id)[0]
        uow.commit()
        return view


# ---- permissions ---------------------------------------------------------------------


def list_permissions(
    ctx: Context, request: PageRequest, kind: Literal["ALL", "SCALEKIT", "ENVIRONMENT"] = "ALL"
) -> Page[PermissionView]:
    """``kind``: ALL, built-in (``SCALEKIT``, Scalekit's word: here the ``tenantry:`` ones)
    or the environment's own (``ENVIRONMENT``)."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(Permission)
        if kind != "ALL":
            stmt = stmt.where(Permission.builtin.is_(kind == "SCALEKIT"))
        page = fetch_page(uow.session, stmt, Permission.id, request)
        return Page(
            [permission_view(p) for p in page.items], page.next_page_token, page.prev_page_token, page.total_size
        )


def get_permission(ctx: Context, name: str) -> PermissionView:
    with ctx.uow(readonly=True) as uow:
        return permission_view(_permission(uow.session, name))


def create_permission(ctx: Context, data: CreatePermission) -> PermissionView:
    check_permission_name(data.name, new=True)
    with ctx.uow() as uow:
        session = uow.session
        if session.scalar(select(Permission.id).where(Permission.name == data.name)) is not None:
            raise AlreadyExists(
                f"A permission named {data.name!r} already exists.", [FieldError("name", "already_exists", "taken")]
            )
        now = ctx.clock.now()
        row = Permission(
            id=new_id("perm"),
            name=data.name,
            description=data.description,
            builtin=False,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        view = permission_view(row)
        _permission_event(session, "permission.created", view, now)
        uow.commit()
        return view


def update_permission(ctx: Context, name: str, data: UpdatePermission) -> PermissionView:
    with ctx.uow() as uow:
        session = uow.session
        row = _permission(session, name)
        if data.name is not None and data.name != row.name:
            if row.builtin:
                raise BuiltinRole("Built-in tenantry: permissions cannot be renamed.")
            check_permission_name(data.name, new=True)
            if session.scalar(select(Permission.id).where(Permission.name == data.name)) is not None:
                raise AlreadyExists(
                    f"A permission named {data.name!r} already exists.", [FieldError("name", "already_exists", "taken")]
                )
            row.name = data.name
        if data.description is not None:
            row.description = data.description
        now = ctx.clock.now()
        row.updated_at = now
        session.flush()
        view = permission_view(row)
        _permission_event(session, "permission.updated", view, now)
        uow.commit()
        return view


def delete_permission(ctx: Context, name: str) -> None:
    """Delete a permission: every role loses it. Built-in ones stay."""
    with ctx.uow() as uow:
        session = uow.session
        row = _permission(session, name)
        if row.builtin or row.name.startswith(RESERVED_PREFIX):
            raise BuiltinRole("Built-in tenantry: permissions cannot be deleted.")
        view = permission_view(row)
        session.delete(row)
        session.flush()
        _permission_event(session, "permission.deleted", view, ctx.clock.now())
        uow.commit()


def ensure_builtins(session: Session, now: datetime) -> None:
    """Tenantry's own permissions exist (a database restored from an older export)."""
    have = set(session.scalars(select(Permission.name).where(Permission.name.in_(list(BUILTIN_PERMISSIONS)))))
    for name, description in BUILTIN_PERMISSIONS.items():
        if name not in have:
            session.add(
                Permission(
                    id=new_id("perm"), name=name, description=description, builtin=True, created_at=now, updated_at=now
                )
            )
    session.flush()
