"""Invitations (SPEC §5): issuing, resending and accepting the single-use link.

A token exists in clear only in the e-mail; the membership row keeps its SHA-256 digest,
so lookup by digest is the constant-time comparison. Accepting consumes the token with
one conditional UPDATE, so two simultaneous accepts cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Membership, Organization, User
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.attributes import Requirement
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.errors import InvitationExpired, InvitationInvalid, MembershipAlreadyActive
from tenantry.server.domain.memberships import MembershipStatus, membership_status
from tenantry.server.domain.passwords import check_password_policy, hash_password
from tenantry.server.domain.secrets import digest, new_secret
from tenantry.server.email.message import render
from tenantry.server.services.commands import AcceptInvitation
from tenantry.server.services.directory import environment
from tenantry.server.services.identity.profiles import apply_profile
from tenantry.server.services.integration import actors, events
from tenantry.server.services.membership import expiry, ledger
from tenantry.server.services.read_models.views import (
    InviteView,
    OrganizationView,
    UserView,
    invite_view,
    organization_view,
    user_view,
)


def issue(
    ctx: Context,
    uow: UnitOfWork,
    membership: Membership,
    org: Organization,
    user: User,
    settings: EnvironmentSettings,
    now: datetime,
) -> None:
    """Give ``membership`` a fresh link valid for the configured expiry and mail it.
    Any earlier link of this membership stops working."""
    token = new_secret()
    membership.invitation_token_hash = digest(token)
    membership.expires_at = now + timedelta(seconds=settings.invitation_expiry_seconds)
    membership.expiry_announced = False  # a new expiry gets its own invitation.expired
    membership.updated_at = now
    accept_url = f"{ctx.settings.public_url}/invitations/accept?{urlencode({'token': token})}"
    message = render(
        "invitation",
        to=user.email,
        subject=f"Join {org.display_name} on {settings.branding.app_name}",
        organization_name=org.display_name,
        inviter_email=membership.inviter_email,
        accept_url=accept_url,
        expires_at=membership.expires_at,
        meta_name=settings.organization_meta_name,
        branding=settings.branding,
    )
    ctx.mailer.enqueue(uow, message)


def resend(ctx: Context, organization_id: str, user_id: str) -> InviteView:
    """New link, old one dead, expiry restarted, ``resent_count`` + 1.

    Raises NotFound, MembershipAlreadyActive, and OrganizationUserLimitReached when the
    invitation had expired and the organization has no free seat for it.
    """
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.session
        org = repo.organization(session, organization_id)
        membership = repo.membership(session, organization_id, user_id, for_update=True)
        status = membership_status(membership.accepted_at, membership.expires_at, now)
        if status is MembershipStatus.ACTIVE:
            raise MembershipAlreadyActive()
        if status is MembershipStatus.INVITE_EXPIRED:
            expiry.announce(session, membership, now)
            _renew_seat(session, membership, now)
        membership.resent_at = now
        membership.resent_count += 1
        issue(ctx, uow, membership, org, repo.user(session, user_id), environment.load(session), now)
        events.invitation_event(session, "user.organization_invitation", membership, now)
        uow.commit()
        return invite_view(membership, now)


def _renew_seat(session: Session, membership: Membership, now: datetime) -> None:
    """An expired invitation no longer counts; renewing it must find a free seat."""
    if membership.holds_seat:
        ledger.release(session, membership.organization_id)
        membership.holds_seat = False
        session.flush()
    ledger.take(session, membership.organization_id, now)
    membership.holds_seat = True


@dataclass(frozen=True)
class Accepted:
    user: UserView
    organization: OrganizationView


def accept(ctx: Context, command: AcceptInvitation) -> Accepted:
    """Activate the membership the token belongs to, once.

    Raises InvitationInvalid (unknown, used or revoked token), InvitationExpired, and
    OrganizationUserLimitReached only when the limit was lowered below the seats in use.
    Works whether or not sign-up is enabled.
    """
    if command.password:
        check_password_policy(command.password)
    password_hash = hash_password(command.password) if command.password else None  # before locking: ~25 ms
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.session
        membership = _pending_by_token(session, command.token, now)
        org = _activate(session, membership, now)
        user = repo.user(session, membership.user_id)
        user.email_verified = True  # the link reached their mailbox
        if password_hash and user.password_hash is None:
            user.password_hash = password_hash
        apply_profile(session, user, command.user_profile, Requirement.SIGNUP)
        user.updated_at = now
        session.flush()
        session.expire_all()
        _announce_acceptance(session, membership.id, now)
        result = Accepted(user_view(session, repo.user(session, membership.user_id), now), organization_view(org))
        uow.commit()
        return result


def _pending_by_token(session: Session, token: str, now: datetime) -> Membership:
    """The unaccepted, unexpired membership a link token belongs to.
    Raises InvitationInvalid (unknown, used, revoked or replaced) and InvitationExpired."""
    membership = session.scalar(select(Membership).where(Membership.invitation_token_hash == digest(token)))
    if membership is None or membership.accepted_at is not None:
        raise InvitationInvalid()
    if membership_status(None, membership.expires_at, now) is MembershipStatus.INVITE_EXPIRED:
        raise InvitationExpired()
    return membership


def _activate(session: Session, membership: Membership, now: datetime) -> Organization:
    """Accept ``membership`` exactly once (one conditional UPDATE consumes its token).
    Raises OrganizationUserLimitReached (limit lowered below the seats in use) and
    InvitationInvalid when a concurrent request accepted it first."""
    org = repo.organization(session, membership.organization_id)
    ledger.ensure_acceptance_allowed(session, org, now)
    consumed = session.execute(
        update(Membership)
        .where(
            Membership.id == membership.id,
            Membership.accepted_at.is_(None),
            Membership.invitation_token_hash == membership.invitation_token_hash,
        )
        .values(accepted_at=now, invitation_token_hash=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if consumed != 1:
        raise InvitationInvalid()
    return org


def _announce_acceptance(session: Session, membership_id: str, now: datetime) -> None:
    """``invitation.accepted`` and the membership's change to active, both by the invitee."""
    membership = session.get_one(Membership, membership_id)
    invitee = actors.user(membership.user_id)
    events.invitation_event(session, "invitation.accepted", membership, now, actor=invitee)
    events.membership_event(session, "user.organization_membership_updated", membership, now, actor=invitee)


@dataclass(frozen=True)
class InvitationPreview:
    organization_id: str
    organization_name: str
    inviter_email: str | None
    email: str
    user_id: str
    has_password: bool
    expires_at: datetime | None


def preview(ctx: Context, token: str) -> InvitationPreview:
    """What the acceptance page shows before anything changes. Raises InvitationInvalid
    and InvitationExpired."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        membership = _pending_by_token(uow.session, token, now)
        org = repo.organization(uow.session, membership.organization_id)
        user = repo.user(uow.session, membership.user_id)
        return InvitationPreview(
            org.id,
            org.display_name,
            membership.inviter_email,
            user.email,
            user.id,
            user.password_hash is not None,
            membership.expires_at,
        )


def join(ctx: Context, user_id: str, organization_id: str) -> OrganizationView:
    """A signed-in user accepts their own pending invitation (the organization switcher's
    "Join"). Same rules as accepting by link."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        membership = repo.membership(uow.session, organization_id, user_id, for_update=True)
        status = membership_status(membership.accepted_at, membership.expires_at, now)
        if status is MembershipStatus.ACTIVE:
            raise MembershipAlreadyActive()
        if status is MembershipStatus.INVITE_EXPIRED:
            raise InvitationExpired()
        org = _activate(uow.session, membership, now)
        uow.session.expire_all()
        _announce_acceptance(uow.session, membership.id, now)
        view = organization_view(org)
        uow.commit()
        return view
