"""Memberships: adding a user to an organization (active or invited), roles, suspension,
removal — one removal path for every way a membership ends.

Seat state changes only through the ledger (``ledger.py``), in the same transaction that
writes the row, with its lock order: user, then organization, then membership.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.inserts import Row, insert_row
from tenantry.server.db.models import Membership, Organization, User
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldError,
    InvalidArgument,
    MembershipAlreadyActive,
    NotFound,
)
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.memberships import (
    INVITATION_STATUSES,
    MembershipStatus,
    ProvisioningMethod,
)
from tenantry.server.services.commands import MembershipInput, RoleInput
from tenantry.server.services.directory import environment
from tenantry.server.services.integration import events, oauth_grants
from tenantry.server.services.membership import access, expiry, invitations, ledger, spent_links
from tenantry.server.services.membership import roles as catalogue
from tenantry.server.services.read_models.views import RoleRef, UserView, held_roles, membership_view, user_view


def start(
    ctx: Context,
    uow: UnitOfWork,
    org: ledger.LockedOrganization,
    user: User | Row,
    roles: list[str] | None,
    *,
    invite: bool,
    inviter_email: str | None,
    settings: EnvironmentSettings,
    method: ProvisioningMethod | None = None,
    metadata: dict[str, Any] | None = None,
    invited_email: str | None = None,
    new_user: bool = False,
    user_json: dict[str, Any] | None = None,
) -> Row:
    """Add ``user`` to ``org``: active at once, or pending with an invitation e-mail. The
    caller holds the user's and the organization's locks (``ledger.lock_user``, then
    ``ledger.lock_organization`` or ``ledger.lock_seats``). The membership answered is the
    row written, not an ORM object: a query in the same transaction loads it as one.

    ``roles`` are role names usable in the organization; empty or None = the environment's
    default member role. ``method`` records how it came to be (default: ``invitation`` or
    ``api``); ``invited_email`` is the address as the inviter typed it (shown for the
    invitation). Raises InvalidArgument (unknown_role), AlreadyExists when they already have a
    membership (of any status) there, and OrganizationUserLimitReached when no seat is free.
    ``new_user``: the caller created ``user`` in this transaction, so they have no other
    membership to look for or read back; ``user_json``: the user as its ``user.created`` event
    showed them (no memberships), the invitation event's user once this membership is added.
    """
    session = uow.session
    held = catalogue.roles_for(session, org.id, org.default_member_role_id, roles, "membership.roles")
    now = ctx.clock.now()  # read after the locks: decisions below are made on stored state
    if not new_user and repo.find_membership(session, org.id, user.id) is not None:
        raise AlreadyExists(
            "The user already belongs to or is invited to this organization.",
            [FieldError("membership", "already_exists", "already a member or invited")],
            reason="membership",
        )
    ledger.take(session, org, now)
    # Columns, written as a plain row once the invitation is in them (no ORM object, issue 18).
    values = SimpleNamespace(
        id=new_id("mem"),
        organization_id=org.id,
        user_id=user.id,
        metadata_=dict(metadata or {}),
        holds_seat=True,
        accepted_at=None if invite else now,
        invitation_token_hash=None,
        inviter_email=inviter_email,
        invited_email=invited_email if invite else None,
        invited_at=now if invite else None,
        expires_at=None,
        resent_count=0,
        provisioning_method=method or ("invitation" if invite else "api"),
        created_at=now,
        updated_at=now,
    )
    if invite:
        invitations.issue(ctx, uow, values, org, user, settings, now)
    membership = insert_row(session, Membership, **vars(values))
    catalogue.assign(session, membership, held, new=True)
    # Built once: the membership event shows it, and so does the invited user (issue 18).
    shown = events.membership_json(session, membership, now, org.display_name, list(held))
    events.membership_event(session, "user.organization_membership_created", membership, now, shown=shown)
    if invite:
        if new_user and user_json is not None:
            invitee = {**user_json, "memberships": [shown]}  # ``memberships`` is the last field
            events.invitation_event(session, "user.organization_invitation", membership, now, user=invitee)
        else:
            known = [membership_view(membership, org.display_name, now, list(held))] if new_user else None
            events.invitation_event(session, "user.organization_invitation", membership, now, memberships=known)
    return membership


def role_names(roles: list[RoleInput] | None) -> list[str]:
    """The names asked for (none = the default member role, resolved by ``start``)."""
    return [role.name for role in roles or []]


def add(ctx: Context, organization_id: str, user_id: str, data: MembershipInput, *, send_invitation: bool) -> UserView:
    """Add an existing user to an organization. Raises NotFound, AlreadyExists,
    OrganizationUserLimitReached, InvalidArgument (roles)."""
    roles = role_names(data.roles)
    with ctx.uow() as uow:
        user = ledger.lock_user(uow.session, user_id)
        org = ledger.lock_seats(uow.session, organization_id, take=True)  # start's seat
        start(
            ctx,
            uow,
            org,
            user,
            roles,
            invite=send_invitation,
            inviter_email=data.inviter_email,
            settings=environment.load(uow.session),
            metadata=data.metadata,
        )
        view = _fresh_user_view(ctx, uow.session, user_id)
        uow.commit()
        return view


def update_roles(ctx: Context, organization_id: str, user_id: str, roles: list[RoleInput]) -> UserView:
    return update(ctx, organization_id, user_id, roles=roles)


def update(
    ctx: Context,
    organization_id: str,
    user_id: str,
    *,
    roles: list[RoleInput] | None = None,
    metadata: dict[str, Any] | None = None,
) -> UserView:
    """Change a membership's roles (replacing them) and/or ``metadata`` (replacing it).
    Raises NotFound, InvalidArgument (unknown_role) and LastAdmin (the change would leave
    the organization with nobody who can manage members)."""
    with ctx.uow() as uow:
        session = uow.session
        ledger.lock_organization(session, organization_id)
        membership = ledger.lock_membership(session, organization_id, user_id)
        now = ctx.clock.now()
        if roles is not None:
            _replace_roles(session, organization_id, membership, role_names(roles))
        if metadata is not None:
            membership.metadata_ = dict(metadata)
        membership.updated_at = now
        view = _fresh_user_view(ctx, uow.session, user_id)
        events.membership_event(uow.session, "user.organization_membership_updated", membership, now)
        uow.commit()
        return view


def _replace_roles(session: Session, organization_id: str, membership: Membership, names: list[str]) -> None:
    """Make ``names`` the membership's roles, keeping the last-admin rule. The caller holds
    the organization's and the membership's locks."""
    held = catalogue.resolve(session, organization_id, names)
    with access.keeping_last_admin(session, organization_id):
        catalogue.assign(session, membership, held)


def change_roles(
    ctx: Context, organization_id: str, user_id: str, *, add: Sequence[str] = (), remove: str | None = None
) -> list[RoleRef]:
    """Add roles to a member (those held stay) or take one away (Scalekit's AssignUserRoles
    and RemoveUserRole); answers every role held after. Raises NotFound (no membership, or
    ``remove`` not held), InvalidArgument (unknown role; taking a member's last role) and
    LastAdmin."""
    with ctx.uow() as uow:
        session = uow.session
        ledger.lock_organization(session, organization_id)
        membership = ledger.lock_membership(session, organization_id, user_id)
        names = [role.name for role in held_roles(session, [membership.id])[membership.id]]
        if remove is not None:
            if remove not in names:
                raise NotFound(f"The member does not hold the role {remove!r}.")
            if names == [remove]:
                raise InvalidArgument.field("role_name", "required", "a member keeps at least one role")
            names = [name for name in names if name != remove]
        _replace_roles(session, organization_id, membership, list(dict.fromkeys(names + list(add))))
        now = ctx.clock.now()
        membership.updated_at = now
        events.membership_event(session, "user.organization_membership_updated", membership, now)
        session.flush()
        result = held_roles(session, [membership.id])[membership.id]
        uow.commit()
        return result


def remove(ctx: Context, organization_id: str, user_id: str) -> None:
    """Remove a member, or revoke a pending invitation; either way its seat is freed."""
    with ctx.uow() as uow:
        remove_in(ctx, uow.session, organization_id, user_id)
        uow.commit()


def remove_in(ctx: Context, session: Session, organization_id: str, user_id: str) -> None:
    """``remove`` in the caller's unit of work (which holds the user's lock, if any: the
    organization's comes next). Raises NotFound and LastAdmin."""
    ledger.lock_organization(session, organization_id)
    membership = ledger.lock_membership(session, organization_id, user_id)
    with access.keeping_last_admin(session, organization_id):
        end(ctx, session, membership)


def revoke_invitation(ctx: Context, organization_id: str, user_id: str) -> None:
    """Withdraw a pending or expired invitation (freeing its seat). Raises
    MembershipAlreadyActive for an active or inactive member: removing members is ``remove``."""
    with ctx.uow() as uow:
        ledger.lock_organization(uow.session, organization_id)
        membership = ledger.lock_membership(uow.session, organization_id, user_id)
        if membership.status(ctx.clock.now()) not in INVITATION_STATUSES:
            raise MembershipAlreadyActive(
                "This person already joined; there is no invitation to revoke.", reason="joined"
            )
        end(ctx, uow.session, membership)
        uow.commit()


def deactivate(ctx: Context, organization_id: str, user_id: str) -> UserView:
    """Suspend an active membership: the record stays, the seat is freed (SPEC §3).
    Raises NotFound and FailedPrecondition (not active)."""
    with ctx.uow() as uow:
        ledger.lock_organization(uow.session, organization_id)
        membership = ledger.lock_membership(uow.session, organization_id, user_id)
        now = ctx.clock.now()
        if membership.status(now) is not MembershipStatus.ACTIVE:
            raise FailedPrecondition("Only an active membership can be deactivated.")
        with access.keeping_last_admin(uow.session, organization_id):
            ledger.deactivate(uow.session, membership, now)
        oauth_grants.revoke(uow.session, now, user_id=user_id, organization_id=organization_id)
        events.membership_event(uow.session, "user.organization_membership_updated", membership, now)
        view = _fresh_user_view(ctx, uow.session, user_id)
        uow.commit()
        return view


def vouch(ctx: Context, session: Session, org: Organization, membership: Membership) -> None:
    """Make an inactive membership or an invitation active on someone else's word (a
    directory vouching for the person): re-activated, or the invitation completed as if its
    link were used (an expired one takes a seat again). The caller holds the user's, the
    organization's and the membership's locks. Raises OrganizationUserLimitReached."""
    now = ctx.clock.now()
    status = membership.status(now)
    if status is MembershipStatus.INACTIVE:
        ledger.reactivate(session, org, membership, now)
    elif status is MembershipStatus.PENDING_INVITE:
        ledger.accept(session, org, membership, now)
    elif status is MembershipStatus.INVITE_EXPIRED:
        ledger.accept_expired(session, org, membership, now)


def reactivate(ctx: Context, organization_id: str, user_id: str) -> UserView:
    """Re-activate a suspended membership: it takes a seat again. Raises NotFound,
    FailedPrecondition (not inactive) and OrganizationUserLimitReached."""
    with ctx.uow() as uow:
        org = ledger.lock_organization(uow.session, organization_id)
        membership = ledger.lock_membership(uow.session, organization_id, user_id)
        now = ctx.clock.now()
        if membership.status(now) is not MembershipStatus.INACTIVE:
            raise FailedPrecondition("Only an inactive membership can be re-activated.")
        ledger.reactivate(uow.session, org, membership, now)
        events.membership_event(uow.session, "user.organization_membership_updated", membership, now)
        view = _fresh_user_view(ctx, uow.session, user_id)
        uow.commit()
        return view


def end(ctx: Context, session: Session, membership: Membership) -> None:
    """The one way a single membership ends (removal, revocation, user deletion): its
    events are recorded, the refresh tokens naming it end, and its seat, if it holds one,
    goes back through the ledger. The caller holds the organization's and the membership's
    locks."""
    now = ctx.clock.now()
    _record_end(session, membership, now)
    spent_links.record(session, membership.invitation_token_hash, spent_links.REVOKED, membership.organization_id, now)
    oauth_grants.revoke(session, now, user_id=membership.user_id, organization_id=membership.organization_id)
    ledger.remove(session, membership)


def end_all(ctx: Context, session: Session, org: Organization) -> None:
    """Every membership of an organization being deleted ends: the same events as ``end``
    for each, then one delete (the seat count goes with the organization). The caller holds
    the organization's lock."""
    now = ctx.clock.now()
    for membership in ledger.dissolve(session, org):
        _record_end(session, membership, now)
        # its invitation link's page then says it was withdrawn, like any other ended
        # invitation's, and nothing about the organization
        spent_links.record(session, membership.invitation_token_hash, spent_links.REVOKED, org.id, now)
    oauth_grants.revoke(session, now, organization_id=org.id)
    ledger.delete_all(session, org)


def _record_end(session: Session, membership: Membership, now: datetime) -> None:
    if membership.status(now) is MembershipStatus.INVITE_EXPIRED:
        expiry.announce(session, membership, now)  # an expired invitation is seen before it goes
    events.membership_event(session, "user.organization_membership_deleted", membership, now)


def _fresh_user_view(ctx: Context, session: Session, user_id: str) -> UserView:
    session.flush()
    return user_view(session, repo.user(session, user_id), ctx.clock.now())
