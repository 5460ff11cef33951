"""What use cases hand back: plain read models, built inside the transaction, with
derived values (membership status) computed against the use case's clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tenantry.server.db.models import Membership, MembershipRole, Organization, Role, User
from tenantry.server.domain.attributes import AttributeDefinition
from tenantry.server.domain.memberships import (
    INVITATION_STATUSES,
    MembershipStatus,
    ProvisioningMethod,
    membership_status,
)

PROFILE_FIELDS = ("given_name", "family_name", "name", "picture", "phone_number", "locale")
# Scalekit's further profile fields (SPEC §15): API-only (no dashboard or file columns).
EXTRA_PROFILE_FIELDS = ("preferred_username", "gender", "groups")


@dataclass(frozen=True)
class AttributeView:
    definition: AttributeDefinition
    create_time: datetime
    update_time: datetime


@dataclass(frozen=True)
class OrganizationView:
    id: str
    display_name: str
    external_id: str | None
    metadata: dict[str, Any]
    max_allowed_users: int | None
    created_by_user_id: str | None
    create_time: datetime
    update_time: datetime
    slug: str | None = None
    logo_url: str | None = None
    region_code: str | None = None
    features: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class RoleRef:
    """A role as a membership shows it."""

    id: str
    name: str
    display_name: str


@dataclass(frozen=True)
class MembershipView:
    organization_id: str
    organization_name: str
    status: MembershipStatus
    roles: list[RoleRef]
    join_time: datetime | None
    invite_expires_at: datetime | None
    inviter_email: str | None
    provisioning_method: ProvisioningMethod
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    accepted_at: datetime | None = None
    expires_at: datetime | None = None

    @property
    def role_names(self) -> list[str]:
        return [role.name for role in self.roles]


@dataclass(frozen=True)
class UserView:
    id: str
    email: str
    email_verified: bool
    external_id: str | None
    metadata: dict[str, Any]
    profile: dict[str, Any]
    custom_attributes: dict[str, Any]
    create_time: datetime
    update_time: datetime
    last_login_time: datetime | None
    memberships: list[MembershipView] = field(default_factory=list)
    profile_metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InviteView:
    organization_id: str
    user_id: str
    inviter_email: str | None
    status: MembershipStatus
    created_at: datetime | None
    expires_at: datetime | None
    resent_at: datetime | None
    resent_count: int


def organization_view(org: Organization) -> OrganizationView:
    return OrganizationView(
        id=org.id,
        display_name=org.display_name,
        external_id=org.external_id,
        metadata=dict(org.metadata_),
        max_allowed_users=org.max_allowed_users,
        created_by_user_id=org.created_by_user_id,
        create_time=org.created_at,
        update_time=org.updated_at,
        slug=org.slug,
        logo_url=org.logo_url,
        region_code=org.region_code,
        features={str(k): bool(v) for k, v in (org.features or {}).items()},
    )


_ASSIGNED = "tenantry.assigned_roles"


def remember_assigned(session: Session, membership_id: str, roles: Sequence[Role | RoleRef]) -> None:
    """Roles just written for a membership in this unit of work: the answer and the events
    read them from here instead of reading back what was written a statement ago."""
    session.info.setdefault(_ASSIGNED, {})[membership_id] = [RoleRef(r.id, r.name, r.display_name) for r in roles]


def forget_assigned(session: Session) -> None:
    """Called by whatever renames, deletes or moves roles inside a unit of work."""
    session.info.pop(_ASSIGNED, None)


def held_roles(session: Session, membership_ids: Sequence[str]) -> dict[str, list[RoleRef]]:
    """The roles each membership holds, in the order given, in one query (none for those whose
    roles this unit of work wrote)."""
    held: dict[str, list[RoleRef]] = defaultdict(list)
    assigned: dict[str, list[RoleRef]] = session.info.get(_ASSIGNED, {})
    unknown = [membership_id for membership_id in membership_ids if membership_id not in assigned]
    for membership_id in membership_ids:
        if membership_id in assigned:
            held[membership_id] = list(assigned[membership_id])
    if unknown:
        rows = session.execute(
            select(MembershipRole.membership_id, Role.id, Role.name, Role.display_name)
            .join(Role, Role.id == MembershipRole.role_id)
            .where(MembershipRole.membership_id.in_(unknown))
            .order_by(MembershipRole.membership_id, MembershipRole.position)
        )
        for membership_id, role_id, name, display_name in rows:
            held[membership_id].append(RoleRef(role_id, name, display_name))
    return held


def membership_view(
    membership: Membership | Any, organization_name: str, now: datetime, roles: list[RoleRef]
) -> MembershipView:
    """``membership``: the model, or a row of its columns named as the model's attributes."""
    status = membership_status(membership.accepted_at, membership.expires_at, now, membership.deactivated_at)
    return MembershipView(
        organization_id=membership.organization_id,
        organization_name=organization_name,
        status=status,
        roles=list(roles),
        metadata=dict(membership.metadata_ or {}),
        join_time=membership.accepted_at,
        invite_expires_at=membership.expires_at if status in INVITATION_STATUSES else None,
        inviter_email=membership.inviter_email,
        provisioning_method=membership.provisioning_method,  # type: ignore[arg-type]
        created_at=membership.created_at,
        accepted_at=membership.accepted_at,
        expires_at=membership.expires_at,
    )


def invite_view(membership: Membership | Any, now: datetime) -> InviteView:
    """``membership``: the model, or a row of its columns named as the model's attributes."""
    return InviteView(
        organization_id=membership.organization_id,
        user_id=membership.user_id,
        inviter_email=membership.inviter_email,
        status=membership_status(membership.accepted_at, membership.expires_at, now, membership.deactivated_at),
        created_at=membership.invited_at,
        expires_at=membership.expires_at,
        resent_at=membership.resent_at,
        resent_count=membership.resent_count,
    )


def user_views(session: Session, users: Sequence[User | Any], now: datetime) -> list[UserView]:
    """Views of ``users`` (models, or rows of their columns named as the model's attributes)
    with their memberships, organization names and roles, read in one statement for all of
    them as plain rows (``_MEMBERSHIPS_ROWS``; the session's pending changes flushed first,
    as a query through the session would; roles this unit of work wrote come from
    ``remember_assigned``)."""
    by_user: dict[str, list[MembershipView]] = defaultdict(list)
    if users:
        session.flush()
        assigned: dict[str, list[RoleRef]] = session.info.get(_ASSIGNED, {})
        firsts: dict[str, Any] = {}  # a membership's first row (one a role), in order
        held: dict[str, list[RoleRef]] = defaultdict(list)
        rows = session.connection().execute(_MEMBERSHIPS_ROWS, {"user_ids": [user.id for user in users]})
        for row in rows:
            firsts.setdefault(row.id, row)
            if row.role_id is not None and row.id not in assigned:
                held[row.id].append(RoleRef(row.role_id, row.role_name, row.role_display_name))
        for key, row in firsts.items():
            roles = assigned[key] if key in assigned else held[key]
            by_user[row.user_id].append(membership_view(row, row.organization_name, now, roles))
    return [user_view_of(user, by_user[user.id]) for user in users]


def user_view(session: Session, user: User, now: datetime) -> UserView:
    return user_views(session, [user], now)[0]


def user_view_of(user: User | Any, memberships: list[MembershipView]) -> UserView:
    """The view of a user whose memberships the caller already knows (a user it just created);
    ``user``: the model, or a row of its columns named as the model's attributes."""
    return UserView(
        id=user.id,
        email=user.email,
        email_verified=user.email_verified,
        external_id=user.external_id,
        metadata=dict(user.metadata_),
        profile={name: getattr(user, name) for name in (*PROFILE_FIELDS, *EXTRA_PROFILE_FIELDS)},
        custom_attributes=dict(user.custom_attributes),
        create_time=user.created_at,
        update_time=user.updated_at,
        last_login_time=user.last_login_at,
        memberships=memberships,
        profile_metadata=dict(user.profile_metadata or {}),
    )


def _named_as_attributes(model: type[User] | type[Membership]) -> list[Any]:
    """The model's columns, each labelled with its attribute's name (``metadata_``)."""
    mapper = model.__mapper__
    return [prop.columns[0].label(prop.key) for prop in mapper.column_attrs]


_MEMBERSHIPS = Membership.__table__.c
_MEMBERSHIP_ROLES = MembershipRole.__table__.c
_ROLES = Role.__table__.c
_ORGANIZATIONS = Organization.__table__.c
# A user's memberships with organization names and roles, in ``user_views``' order, built
# once and read as plain rows on the connection (no identity map, no statement built and
# cache-keyed per call; issue 18: the ``user.login`` event's payload, a page of users).
USER_COLUMNS = _named_as_attributes(User)  # a user row as ``user_view_of`` reads it
_MEMBERSHIP_ROWS_OF = (
    select(
        *_named_as_attributes(Membership),
        _ORGANIZATIONS.display_name.label("organization_name"),
        _ROLES.id.label("role_id"),
        _ROLES.name.label("role_name"),
        _ROLES.display_name.label("role_display_name"),
    )
    .select_from(
        Membership.__table__.join(Organization.__table__, _ORGANIZATIONS.id == _MEMBERSHIPS.organization_id)
        .outerjoin(MembershipRole.__table__, _MEMBERSHIP_ROLES.membership_id == _MEMBERSHIPS.id)
        .outerjoin(Role.__table__, _ROLES.id == _MEMBERSHIP_ROLES.role_id)
    )
    .order_by(_MEMBERSHIPS.created_at, _MEMBERSHIPS.id, _MEMBERSHIP_ROLES.position)
)
MEMBERSHIP_ROWS = _MEMBERSHIP_ROWS_OF.where(_MEMBERSHIPS.user_id == bindparam("user_id"))
# The same for the users of a page (``user_views``, issue 18: one statement instead of two,
# and no ORM objects).
_MEMBERSHIPS_ROWS = _MEMBERSHIP_ROWS_OF.where(_MEMBERSHIPS.user_id.in_(bindparam("user_ids", expanding=True)))


def membership_views_of(rows: Iterable[Any], now: datetime) -> list[MembershipView]:
    """The memberships of rows read by ``MEMBERSHIP_ROWS`` (or a statement with its columns first)."""
    firsts: dict[str, Any] = {}  # a membership's first row (one a role), in order
    held: dict[str, list[RoleRef]] = defaultdict(list)
    for row in rows:
        firsts.setdefault(row.id, row)
        if row.role_id is not None:
            held[row.id].append(RoleRef(row.role_id, row.role_name, row.role_display_name))
    return [membership_view(row, row.organization_name, now, held[key]) for key, row in firsts.items()]
