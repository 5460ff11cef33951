"""Organizations (SPEC §3) and their limits: creation per user (§1), users per organization (§2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db import search as search_sql
from tenantry.server.db.models import Membership, Organization, User
from tenantry.server.db.paging import fetch_page
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain import seats
from tenantry.server.domain.creation import creation_limit_reached
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.errors import InvalidArgument, OrganizationCreationLimitReached
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.memberships import ProvisioningMethod
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.services.commands import CreateOrganization, OrganizationSettingsInput, UpdateOrganization
from tenantry.server.services.directory import environment
from tenantry.server.services.integration import events
from tenantry.server.services.membership import ledger, lifecycle, roles
from tenantry.server.services.read_models.views import OrganizationView, organization_view


@dataclass(frozen=True)
class UserManagement:
    max_allowed_users: int | None
    seats_used: int
    pending_invitations: int = 0  # unexpired, among seats_used

    @property
    def full(self) -> bool:
        """No new invitation, member or re-activation fits (``domain.seats.is_full``)."""
        return seats.is_full(self.max_allowed_users, self.seats_used)

    @property
    def acceptance_blocked(self) -> bool:
        """Pending invitations cannot be accepted now (the limit was lowered below the
        seats in use: ``domain.seats.acceptance_blocked``)."""
        return seats.acceptance_blocked(self.max_allowed_users, self.seats_used)


def create(ctx: Context, command: CreateOrganization) -> OrganizationView:
    """Create an organization; with ``created_by_user_id``, on behalf of that user, who
    becomes its admin and must be under ``max_organizations_per_user``.

    Raises NotFound (user), AlreadyExists (external_id), OrganizationCreationLimitReached.
    """
    with ctx.uow() as uow:
        creator = None
        if command.created_by_user_id is not None:
            creator = ledger.lock_user(uow.session, command.created_by_user_id)
        now = ctx.clock.now()
        org = insert(
            ctx,
            uow,
            command.display_name,
            command.external_id,
            command.metadata,
            creator,
            environment.load(uow.session),
            now,
            slug=command.slug,
            logo_url=command.logo_url,
            region_code=command.region_code,
        )
        view = organization_view(org)
        uow.commit()
        return view


def insert(
    ctx: Context,
    uow: UnitOfWork,
    display_name: str,
    external_id: str | None,
    metadata: dict[str, object],
    creator: User | None,
    settings: EnvironmentSettings,
    now: datetime,
    method: ProvisioningMethod = "api",
    *,
    slug: str | None = None,
    logo_url: str | None = None,
    region_code: str | None = None,
) -> Organization:
    """Write a new organization; with a creator, check their creation limit and make them
    its admin. The creator's row must already be locked (``ledger.lock_user``) by the
    caller, which makes concurrent creations by one user queue up behind the count. The
    new organization's row is locked by its insert until the transaction ends."""
    session = uow.session
    if creator is not None:
        _check_creation_limit(session, creator.id, settings)
    repo.ensure_external_id_free(session, Organization, external_id)
    repo.ensure_slug_free(session, slug)
    org = Organization(
        id=new_id("org"),
        display_name=display_name,
        external_id=external_id,
        metadata_=metadata,
        max_allowed_users=None,
        seats_held=0,
        created_by_user_id=creator.id if creator else None,
        slug=slug,
        logo_url=logo_url,
        region_code=region_code,
        features={},
        created_at=now,
        updated_at=now,
    )
    session.add(org)
    session.flush()
    events.organization_event(session, "organization.created", org, now)
    if creator is not None:
        creator_role = roles.default_role(session, "creator").name
        lifecycle.start(
            ctx, uow, org, creator, [creator_role], invite=False, inviter_email=None, settings=settings, method=method
        )
    return org


def _created_by(session: Session, user_id: str) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Organization).where(Organization.created_by_user_id == user_id))
        or 0
    )


def _check_creation_limit(session: Session, user_id: str, settings: EnvironmentSettings) -> None:
    limit = settings.max_organizations_per_user
    if limit is None:
        return
    created = _created_by(session, user_id)
    if creation_limit_reached(limit, created):
        raise OrganizationCreationLimitReached(created=created, limit=limit)


@dataclass(frozen=True)
class MemberCounts:
    active: int = 0
    pending: int = 0  # unexpired invitations


def member_counts(ctx: Context, organization_ids: list[str]) -> dict[str, MemberCounts]:
    """Active members and pending invitations of each organization, in one query (a list page's)."""
    if not organization_ids:
        return {}
    now = ctx.clock.now()
    active = Membership.accepted_at.is_not(None) & Membership.deactivated_at.is_(None)
    with ctx.uow(readonly=True) as uow:
        rows = uow.session.execute(
            select(
                Membership.organization_id,
                func.count().filter(active),
                func.count().filter(Membership.pending_invitation(now)),
            )
            .where(Membership.organization_id.in_(organization_ids))
            .group_by(Membership.organization_id)
        )
        return {org_id: MemberCounts(int(a), int(p)) for org_id, a, p in rows}


@dataclass(frozen=True)
class CreationAllowance:
    """How many organizations a user created that still exist, against the limit."""

    created: int
    limit: int | None

    @property
    def reached(self) -> bool:
        return creation_limit_reached(self.limit, self.created)


def creation_allowance(ctx: Context, user_id: str) -> CreationAllowance:
    """For pages that say up front whether "Create" will work (the refusal itself is
    ``create``'s, under the user's lock)."""
    with ctx.uow(readonly=True) as uow:
        limit = environment.load(uow.session).max_organizations_per_user
        return CreationAllowance(_created_by(uow.session, user_id) if limit is not None else 0, limit)


def get(ctx: Context, organization_id: str) -> OrganizationView:
    with ctx.read() as connection:  # one SELECT by key: no ORM session (issue 18)
        row = repo.organization_fields(connection, organization_id)
    return organization_view(cast(Organization, row))  # the row has the attributes the view reads


def get_by_external_id(ctx: Context, external_id: str) -> OrganizationView:
    with ctx.uow(readonly=True) as uow:
        return organization_view(repo.organization_by_external_id(uow.session, external_id))


SORTS = {"created": None, "name": Organization.display_name}  # the dashboard's sortable columns


def list_page(
    ctx: Context,
    request: PageRequest,
    search: str | None = None,
    *,
    sort: str = "created",
    descending: bool = False,
    external_id: str | None = None,
) -> Page[OrganizationView]:
    """Organizations in creation order (or by name, ``sort="name"``; reversed with
    ``descending``); with ``search``, those whose id or external_id equals it or whose name
    contains it; with ``external_id``, only the one with that external id (if any)."""
    with ctx.uow(readonly=True) as uow:
        stmt = select(Organization)
        if external_id:
            stmt = stmt.where(Organization.external_id == external_id)
        if search and search.strip():
            stmt = search_sql.organizations_matching(stmt, search.strip())
        page = fetch_page(
            uow.session, stmt, Organization.id, request, descending=descending, sort_column=SORTS.get(sort)
        )
        return Page(
            [organization_view(org) for org in page.items], page.next_page_token, page.prev_page_token, page.total_size
        )


def update(ctx: Context, organization_id: str, command: UpdateOrganization) -> OrganizationView:
    with ctx.uow() as uow:
        org = repo.organization(uow.session, organization_id)
        fields = command.model_fields_set
        if "display_name" in fields:
            if command.display_name is None:
                raise InvalidArgument.field("display_name", "required", "display_name cannot be null")
            org.display_name = command.display_name
        if "external_id" in fields:
            repo.ensure_external_id_free(uow.session, Organization, command.external_id, except_id=org.id)
            org.external_id = command.external_id
        if "metadata" in fields:
            org.metadata_ = command.metadata or {}
        if "slug" in fields:
            repo.ensure_slug_free(uow.session, command.slug, except_id=org.id)
            org.slug = command.slug
        if "logo_url" in fields:
            org.logo_url = command.logo_url
        org.updated_at = ctx.clock.now()
        uow.session.flush()
        view = organization_view(org)
        events.organization_event(uow.session, "organization.updated", org, org.updated_at)
        uow.commit()
        return view


def update_features(ctx: Context, organization_id: str, command: OrganizationSettingsInput) -> OrganizationView:
    """Turn the named features on or off for the organization (Scalekit's organization
    settings); features not named keep their state. Raises NotFound."""
    with ctx.uow() as uow:
        org = repo.organization(uow.session, organization_id)
        org.features = {**(org.features or {}), **{f.name: f.enabled for f in command.features}}
        org.updated_at = ctx.clock.now()
        uow.session.flush()
        view = organization_view(org)
        events.organization_event(uow.session, "organization.updated", org, org.updated_at)
        uow.commit()
        return view


def delete_(ctx: Context, organization_id: str) -> None:
    """Delete the organization and its memberships; users and other organizations stay.
    Raises NotFound (also when a concurrent request deleted it first)."""
    with ctx.uow() as uow:
        org = ledger.lock_organization(uow.session, organization_id)
        now = ctx.clock.now()
        lifecycle.end_all(ctx, uow.session, org)
        events.organization_event(uow.session, "organization.deleted", org, now)
        uow.session.delete(org)
        uow.commit()


def get_user_management(ctx: Context, organization_id: str) -> UserManagement:
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        org = repo.organization(uow.session, organization_id)
        pending = uow.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organization_id == org.id, Membership.pending_invitation(now))
        )
        return UserManagement(org.max_allowed_users, ledger.used(uow.session, org, now), int(pending or 0))


def full_on_switcher(ctx: Context, *, invited_to: list[str], offered: list[str]) -> set[str]:
    """The organizations the switcher says are full instead of showing a Join button that
    would be refused: of those the user is invited to, the ones where acceptance is blocked
    (SPEC §2: an invitation holds its seat, so only a limit lowered below the seats in use
    blocks it); of those offered by domain, the full ones. One statement for them all, from
    the stored counts (the ledger decides again, under its locks, when someone joins)."""
    if not invited_to and not offered:
        return set()
    with ctx.uow(readonly=True) as uow:
        found = {
            org_id: UserManagement(limit, in_use)
            for org_id, (limit, in_use) in ledger.limits(uow.session, [*invited_to, *offered], ctx.clock.now()).items()
        }
    return {org_id for org_id in invited_to if org_id in found and found[org_id].acceptance_blocked} | {
        org_id for org_id in offered if org_id in found and found[org_id].full
    }


def set_max_allowed_users(ctx: Context, organization_id: str, limit: int | None) -> UserManagement:
    """Set the seat limit; ``None`` or 0 removes it. Lowering it below the seats in use
    removes nobody: new seats are refused until the count drops below the limit."""
    if limit is not None and limit < 0:
        raise InvalidArgument.field("settings.max_allowed_users", "out_of_range", "must be 0 (no limit) or more")
    with ctx.uow() as uow:
        org = ledger.lock_organization(uow.session, organization_id)
        now = ctx.clock.now()
        org.max_allowed_users = limit or None
        org.updated_at = now
        uow.session.flush()
        result = UserManagement(org.max_allowed_users, ledger.used(uow.session, org, now))
        events.organization_event(uow.session, "organization.updated", org, now)
        uow.commit()
        return result
