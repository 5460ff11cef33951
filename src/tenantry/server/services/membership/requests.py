"""An invitee whose link expired asks for a new one (SPEC §5): the page names the
organization and whoever invited them, and a request e-mails that person (or, for
invitations the application sent without an inviter, the organization's administrators)
a link to the members page where "Resend" is one click.

Only the holder of the link can ask (the token is the key), and the HTTP layer limits how
often; the answer is the same whether or not anyone was mailed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Membership, User
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.domain.secrets import digest
from tenantry.server.email.message import render
from tenantry.server.services.directory import environment
from tenantry.server.services.membership import access


@dataclass(frozen=True)
class LapsedInvitation:
    """What an expired link still tells its holder."""

    organization_name: str
    inviter_email: str | None
    email: str


def _expired(ctx: Context, session: Session, token: str) -> Membership | None:
    if not token:
        return None
    membership = session.scalar(select(Membership).where(Membership.invitation_token_hash == digest(token)))
    if membership is None or membership.status(ctx.clock.now()) is not MembershipStatus.INVITE_EXPIRED:
        return None
    return membership


def lapsed(ctx: Context, token: str) -> LapsedInvitation | None:
    """The organization and inviter of an expired invitation link; None for any other link."""
    with ctx.uow(readonly=True) as uow:
        membership = _expired(ctx, uow.session, token)
        if membership is None:
            return None
        org = repo.organization(uow.session, membership.organization_id)
        user = repo.user(uow.session, membership.user_id)
        return LapsedInvitation(org.display_name, membership.inviter_email, user.email)


def _recipients(session: Session, membership: Membership) -> list[str]:
    """The inviter, or else the organization's active administrators (at most ten)."""
    if membership.inviter_email:
        return [membership.inviter_email]
    managers = access.managers(session, membership.organization_id)
    if not managers:
        return []
    emails = session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.id.in_(managers))
        .order_by(User.email)
        .limit(10)
    )
    return list(emails)


def request_new(ctx: Context, token: str) -> None:
    """Tell whoever can resend an expired invitation that its invitee asks for a new one.
    Does nothing (and says nothing) for a link that is not an expired invitation."""
    with ctx.uow() as uow:
        membership = _expired(ctx, uow.session, token)
        if membership is None:
            return
        org = repo.organization(uow.session, membership.organization_id)
        invitee = repo.user(uow.session, membership.user_id)
        settings = environment.load(uow.session)
        members_url = f"{ctx.settings.public_url}/organizations/{org.id}/members"
        for to in _recipients(uow.session, membership):
            ctx.mailer.enqueue(
                uow,
                render(
                    "invitation_request",
                    to=to,
                    subject=f"{invitee.email} asks for a new invitation to {org.display_name}",
                    organization_name=org.display_name,
                    invitee_email=invitee.email,
                    members_url=members_url,
                    meta_name=settings.organization_meta_name,
                    branding=settings.branding,
                ),
            )
        uow.commit()
