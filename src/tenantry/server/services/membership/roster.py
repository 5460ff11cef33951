"""An organization's members as its admins see them on the hosted pages.

An organization admin is not the application: they may be anybody who signed up, so the
page must not tell them whether an address they invite already has an account. An
invitation is therefore shown only as the address the inviter typed (not the account's
stored casing, nor its name), and the page's forms name memberships, never user ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Membership, User
from tenantry.server.domain.errors import NotFound
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.domain.types import email_key
from tenantry.server.services.read_models.views import RoleRef, held_roles

INVITATION_STATUSES = (MembershipStatus.PENDING_INVITE, MembershipStatus.INVITE_EXPIRED)


@dataclass(frozen=True)
class RosterEntry:
    membership_id: str  # what the page's forms name
    email: str  # a member's address; for an invitation, as the inviter typed it
    name: str | None  # members only
    status: MembershipStatus
    roles: list[RoleRef]

    @property
    def invitation(self) -> bool:
        return self.status in INVITATION_STATUSES


def _name(user: User) -> str | None:
    return user.name or " ".join(part for part in (user.given_name, user.family_name) if part) or None


def members(ctx: Context, organization_id: str) -> list[RosterEntry]:
    """Everyone with a membership in the organization, in the order they were added.
    Raises NotFound (organization)."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        repo.organization(uow.session, organization_id)
        rows = uow.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organization_id == organization_id)
            .order_by(Membership.created_at, Membership.id)
        ).all()
        held = held_roles(uow.session, [membership.id for membership, _ in rows])
        entries = []
        for membership, user in rows:
            status = membership.status(now)
            if status in INVITATION_STATUSES:
                entries.append(
                    RosterEntry(
                        membership.id,
                        membership.invited_email or email_key(user.email),
                        None,
                        status,
                        held[membership.id],
                    )
                )
            else:
                entries.append(RosterEntry(membership.id, user.email, _name(user), status, held[membership.id]))
        return entries


def invitee(ctx: Context, organization_id: str, membership_id: str) -> str:
    """The user id behind a membership (or invitation) of the organization's members page.
    Raises NotFound."""
    with ctx.uow(readonly=True) as uow:
        membership = uow.session.get(Membership, membership_id)
        if membership is None or membership.organization_id != organization_id:
            raise NotFound("No such member or invitation in this organization.")
        return membership.user_id
