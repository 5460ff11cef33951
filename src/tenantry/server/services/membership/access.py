"""What a member may do: the roles a membership holds and their effective permissions
(inheritance expanded), resolved in ONE query (a recursive CTE over ``roles.extends_id``),
so there is no cache to invalidate: a change to a role shows at the next read (next token
refresh, next page load).

Also the last-admin rule (SPEC §9): an organization with members keeps at least one active
member holding ``tenantry:members:manage``. Callers hold the organization's row lock
(``ledger.lock_organization``), which every change to an organization's memberships takes
first, so two concurrent demotions of the last two managers are serialized and the second
one is refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import CTE, Select, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from tenantry.server.context import Context
from tenantry.server.db.models import Membership, MembershipRole, Permission, Role, RolePermission
from tenantry.server.domain.errors import FieldError, LastAdmin, NotFound
from tenantry.server.domain.roles import MEMBERS_MANAGE
from tenantry.server.services.membership import ledger
from tenantry.server.services.read_models.views import RoleRef, held_roles


@dataclass(frozen=True)
class Access:
    """A membership's roles (in order, with display names) and effective permissions."""

    roles: list[RoleRef] = field(default_factory=list)
    permissions: frozenset[str] = frozenset()

    @property
    def role_names(self) -> list[str]:
        return [role.name for role in self.roles]


def _active_anywhere() -> Select[Any]:
    return select(Membership.id).where(Membership.accepted_at.is_not(None), Membership.deactivated_at.is_(None))


def _active(organization_id: str) -> Select[Any]:
    return _active_anywhere().where(Membership.organization_id == organization_id)


def _inheritance(seed: Select[Any, Any], name: str) -> CTE:
    """A recursive CTE of (owner, role_id) rows: ``seed``'s pairs and, for each, every role
    its role extends, transitively. UNION (not UNION ALL) stops on a repeated pair: safe
    even on a cycle."""
    chain = seed.cte(name, recursive=True)
    owner, role_id = list(chain.c)
    base = aliased(Role)
    return chain.union(
        select(owner, base.extends_id).join(base, base.id == role_id).where(base.extends_id.is_not(None))
    )


def _access_rows(membership_ids: Sequence[str] | Select[Any]) -> Select[Any]:
    """(kind, membership_id, name, display name or role id, position) rows: the held roles
    ("role") and every effective permission ("perm"), in one statement."""
    ids = membership_ids if isinstance(membership_ids, Select) else list(membership_ids)
    seed = select(MembershipRole.membership_id, MembershipRole.role_id).where(MembershipRole.membership_id.in_(ids))
    chain = _inheritance(seed, "role_chain")
    permissions = (
        select(
            literal("perm").label("kind"),
            chain.c.membership_id,
            Permission.name,
            Permission.id.label("extra"),
            literal(0).label("position"),
        )
        .join(RolePermission, RolePermission.role_id == chain.c.role_id)
        .join(Permission, Permission.id == RolePermission.permission_id)
    )
    roles = (
        select(
            literal("role").label("kind"),
            MembershipRole.membership_id,
            Role.name,
            Role.display_name.label("extra"),
            MembershipRole.position,
        )
        .join(Role, Role.id == MembershipRole.role_id)
        .where(MembershipRole.membership_id.in_(ids))
    )
    combined = union_all(roles, permissions).subquery()
    return select(
        combined.c.kind, combined.c.membership_id, combined.c.name, combined.c.extra, combined.c.position
    ).order_by(combined.c.position)


def of_memberships(session: Session, membership_ids: Sequence[str] | Select[Any]) -> dict[str, Access]:
    roles: dict[str, list[RoleRef]] = defaultdict(list)
    permissions: dict[str, set[str]] = defaultdict(set)
    for kind, membership_id, name, extra, _ in session.execute(_access_rows(membership_ids)):
        if kind == "role":
            roles[membership_id].append(RoleRef("", name, extra))
        else:
            permissions[membership_id].add(name)
    return {
        membership_id: Access(roles[membership_id], frozenset(permissions[membership_id]))
        for membership_id in set(roles) | set(permissions)
    }


def of_member(session: Session, user_id: str, organization_id: str) -> Access:
    """The user's roles and effective permissions in the organization; nothing unless they
    are an active member of it."""
    membership_id = session.scalar(_active(organization_id).where(Membership.user_id == user_id))
    if membership_id is None:
        return Access()
    return of_memberships(session, [membership_id]).get(membership_id, Access())


def claims(session: Session, user_id: str, organization_id: str | None) -> dict[str, list[str]]:
    """The ``roles`` and ``permissions`` claims of a token for (user, organization): the
    organization's role names and effective permissions (sorted), empty without an active
    membership."""
    access = of_member(session, user_id, organization_id) if organization_id else Access()
    return {"roles": access.role_names, "permissions": sorted(access.permissions)}


def managers(session: Session, organization_id: str) -> set[str]:
    """Ids of the organization's active memberships that can manage members."""
    found = of_memberships(session, _active(organization_id))
    return {membership_id for membership_id, access in found.items() if MEMBERS_MANAGE in access.permissions}


def guard_last_admin(session: Session, organization_id: str, before: set[str]) -> None:
    """After a change (flushed), refuse it when the organization had someone who could
    manage members (``before``, from ``managers``) and now has nobody, while memberships
    remain. The caller holds the organization's lock; raising rolls the change back."""
    if not before:
        return
    session.flush()
    if managers(session, organization_id):
        return
    remaining = session.scalar(select(Membership.id).where(Membership.organization_id == organization_id).limit(1))
    if remaining is not None:
        raise LastAdmin()


@contextmanager
def keeping_last_admin(session: Session, *organization_ids: str) -> Iterator[None]:
    """Around a change to the memberships or roles of one organization (or several, each
    judged on its own): ``managers`` before, ``guard_last_admin`` after (LastAdmin rolls
    the change back). The caller holds those organizations' locks."""
    before = {organization_id: managers(session, organization_id) for organization_id in organization_ids}
    yield
    for organization_id, had in before.items():
        guard_last_admin(session, organization_id, had)


def granting_manage(session: Session, role_ids: Sequence[str]) -> set[str]:
    """Those of ``role_ids`` whose effective permissions (inheritance expanded) include
    ``tenantry:members:manage``, in one statement."""
    if not role_ids:
        return set()
    seed = select(Role.id.label("origin"), Role.id.label("role_id")).where(Role.id.in_(list(role_ids)))
    chain = _inheritance(seed, "manage_chain")
    found = (
        select(chain.c.origin)
        .join(RolePermission, RolePermission.role_id == chain.c.role_id)
        .join(Permission, Permission.id == RolePermission.permission_id)
        .where(Permission.name == MEMBERS_MANAGE)
    )
    return set(session.scalars(found.distinct()))


def guard_catalogue_change(session: Session, lost: set[str], organization_id: str | None = None) -> None:
    """After a role edit (flushed) took ``tenantry:members:manage`` away from the roles
    ``lost``: refuse it (LastAdmin, naming the organization) when an organization where an
    active member holds one of them has nobody left who can manage members.

    Every organization with memberships is locked first (id order: the ledger's lock order;
    no user lock is involved), so a membership change running meanwhile either finished
    before we look or waits for this transaction and then sees the new permissions: neither
    side can decide on the other's stale state. Rare (only when a role loses the power) and
    the cost of the guarantee. An organization's own role (``organization_id``) is held only
    there, and the caller already holds that organization's lock."""
    if not lost:
        return
    session.flush()
    if organization_id is None:
        ledger.lock_organizations(session, list(session.scalars(select(Membership.organization_id).distinct())))
    holders = (
        _active_anywhere()
        .with_only_columns(Membership.organization_id)
        .join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(MembershipRole.role_id.in_(sorted(lost)))
    )
    # Every active membership of those organizations and its access: two statements however
    # many organizations hold the roles.
    members = _active_anywhere().where(Membership.organization_id.in_(holders))
    organization_of = dict(session.execute(members.with_only_columns(Membership.id, Membership.organization_id)).all())
    managed = {
        organization_of[membership_id]
        for membership_id, held in of_memberships(session, members).items()
        if MEMBERS_MANAGE in held.permissions
    }
    unmanaged = sorted(set(organization_of.values()) - managed)
    if unmanaged:
        raise LastAdmin(
            f"Organization {unmanaged[0]} would be left with nobody who can manage members: give that power "
            "to someone there first.",
            [FieldError("permissions", "last_admin", f"organization {org} keeps no manager") for org in unmanaged[:10]],
        )


def member_access(ctx: Context, user_id: str, organization_id: str) -> Access:
    """``of_member`` in its own read-only unit of work (for the hosted pages' guard)."""
    with ctx.uow(readonly=True) as uow:
        return of_member(uow.session, user_id, organization_id)


def permissions_by_organization(ctx: Context, user_id: str) -> dict[str, frozenset[str]]:
    """The user's effective permissions in each organization where they are active."""
    with ctx.uow(readonly=True) as uow:
        rows = dict(
            uow.session.execute(
                select(Membership.id, Membership.organization_id).where(
                    Membership.user_id == user_id,
                    Membership.accepted_at.is_not(None),
                    Membership.deactivated_at.is_(None),
                )
            ).all()
        )
        found = of_memberships(uow.session, list(rows)) if rows else {}
        return {rows[mid]: held.permissions for mid, held in found.items()}


@dataclass(frozen=True)
class HeldPermission:
    id: str
    name: str
    description: str


def membership_access(ctx: Context, organization_id: str, user_id: str) -> tuple[list[RoleRef], list[HeldPermission]]:
    """A membership's roles (with ids) and effective permissions, whatever its status.
    Raises NotFound."""
    with ctx.uow(readonly=True) as uow:
        session = uow.session
        membership_id = session.scalar(
            select(Membership.id).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
        )
        if membership_id is None:
            raise NotFound(
                "This user is not a member of this organization.",
                [FieldError("user_id", "not_found", "no membership")],
                reason="membership",
            )
        held = held_roles(session, [membership_id])[membership_id]
        names = of_memberships(session, [membership_id]).get(membership_id, Access()).permissions
        rows = session.execute(
            select(Permission.id, Permission.name, Permission.description)
            .where(Permission.name.in_(list(names)))
            .order_by(Permission.name)
        )
        return held, [HeldPermission(*row) for row in rows]
