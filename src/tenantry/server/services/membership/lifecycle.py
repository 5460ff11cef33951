"""Memberships: adding a user to an organization (active or invited), roles, removal.

Every new membership takes a seat through ``db.ledger.take``, in the same transaction that
writes the row, so the organization's ``max_allowed_users`` holds under concurrency.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Membership, Organization, User
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.errors import AlreadyExists, FieldError, MembershipAlreadyActive
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.memberships import MembershipStatus, membership_status, normalize_roles
from tenantry.server.services.commands import MembershipInput, RoleInput
from tenantry.server.services.directory import environment
from tenantry.server.services.integration import events
from tenantry.server.services.membership import expiry, invitations, ledger
from tenantry.server.services.read_models.views import UserView, user_view


def start(
    ctx: Context,
    uow: UnitOfWork,
    org: Organization,
    user: User,
    roles: list[str],
    *,
    invite: bool,
    inviter_email: str | None,
    settings: EnvironmentSettings,
    now: datetime,
) -> Membership:
    """Add ``user`` to ``org``: active at once, or pending with an invitation e-mail.

    Raises AlreadyExists when they already have a membership (of any status) there, and
    OrganizationUserLimitReached when no seat is free.
    """
    session = uow.session
    if repo.find_membership(session, org.id, user.id) is not None:
        raise AlreadyExists(
            "The user already belongs to or is invited to this organization.",
            [FieldError("membership", "already_exists", "already a member or invited")],
        )
    session.flush()
    ledger.take(session, org.id, now)
    membership = Membership(
        id=new_id("mem"),
        organization_id=org.id,
        user_id=user.id,
        roles=roles,
        holds_seat=True,
        inviter_email=inviter_email,
        resent_count=0,
        created_at=now,
        updated_at=now,
    )
    if invite:
        membership.invited_at = now
        invitations.issue(ctx, uow, membership, org, user, settings, now)
    else:
        membership.accepted_at = now
    session.add(membership)
    session.flush()
    events.membership_event(session, "user.organization_membership_created", membership, now)
    if invite:
        events.invitation_event(session, "user.organization_invitation", membership, now)
    return membership


def role_names(roles: list[RoleInput]) -> list[str]:
    return normalize_roles([role.name for role in roles], field="membership.roles")


def add(ctx: Context, organization_id: str, user_id: str, data: MembershipInput, *, send_invitation: bool) -> UserView:
    """Add an existing user to an organization. Raises NotFound, AlreadyExists,
    OrganizationUserLimitReached, InvalidArgument (roles)."""
    roles = normalize_roles([role.name for role in data.roles])
    now = ctx.clock.now()
    with ctx.uow() as uow:
        org = repo.organization(uow.session, organization_id)
        user = repo.user(uow.session, user_id)
        start(
            ctx,
            uow,
            org,
            user,
            roles,
            invite=send_invitation,
            inviter_email=data.inviter_email,
            settings=environment.load(uow.session),
            now=now,
        )
        view = _fresh_user_view(uow.session, user_id, now)
        uow.commit()
        return view


def update_roles(ctx: Context, organization_id: str, user_id: str, roles: list[RoleInput]) -> UserView:
    names = normalize_roles([role.name for role in roles])
    now = ctx.clock.now()
    with ctx.uow() as uow:
        membership = repo.membership(uow.session, organization_id, user_id, for_update=True)
        membership.roles = names
        membership.updated_at = now
        view = _fresh_user_view(uow.session, user_id, now)
        events.membership_event(uow.session, "user.organization_membership_updated", membership, now)
        uow.commit()
        return view


def remove(ctx: Context, organization_id: str, user_id: str) -> None:
    """Remove a member, or revoke a pending invitation; either way its seat is freed."""
    with ctx.uow() as uow:
        membership = repo.membership(uow.session, organization_id, user_id, for_update=True)
        delete_membership(uow.session, membership, ctx.clock.now())
        uow.commit()


def revoke_invitation(ctx: Context, organization_id: str, user_id: str) -> None:
    """Withdraw a pending or expired invitation (freeing its seat). Raises
    MembershipAlreadyActive for an active member: removing members is ``remove``."""
    with ctx.uow() as uow:
        membership = repo.membership(uow.session, organization_id, user_id, for_update=True)
        status = membership_status(membership.accepted_at, membership.expires_at, ctx.clock.now())
        if status is MembershipStatus.ACTIVE:
            raise MembershipAlreadyActive("This person already joined; there is no invitation to revoke.")
        delete_membership(uow.session, membership, ctx.clock.now())
        uow.commit()


def delete_membership(session: Session, membership: Membership, now: datetime | None = None) -> None:
    """Remove ``membership`` (freeing its seat) and record its last state as deleted."""
    when = now or datetime.now(UTC)
    expiry.announce(session, membership, when)  # an expired invitation is seen before it goes
    events.membership_event(session, "user.organization_membership_deleted", membership, when)
    if membership.holds_seat:
        ledger.release(session, membership.organization_id)
    session.delete(membership)
    session.flush()


def _fresh_user_view(session: Session, user_id: str, now: datetime) -> UserView:
    session.flush()
    return user_view(session, repo.user(session, user_id), now)
