"""Invitations (SPEC §5): issuing, resending and accepting the single-use link.

A token exists in clear only in the e-mail; the membership row keeps its SHA-256 digest,
so lookup by digest is the constant-time comparison. Accepting checks the token again
under the membership's lock (the ledger's lock order) and clears it, so two simultaneous
accepts cannot both succeed, and a resend or revocation meanwhile wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Membership, Organization, User
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain import seats
from tenantry.server.domain.attributes import Requirement
from tenantry.server.domain.environment import EnvironmentSettings
from tenantry.server.domain.errors import (
    EmailNotVerified,
    FailedPrecondition,
    InvitationExpired,
    InvitationInvalid,
    MembershipAlreadyActive,
    NotFound,
)
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.domain.passwords import check_password_policy, hash_password
from tenantry.server.domain.secrets import digest, new_secret
from tenantry.server.domain.wording import MetaName
from tenantry.server.email.message import render_from_stencil
from tenantry.server.services.commands import AcceptInvitation
from tenantry.server.services.directory import environment
from tenantry.server.services.identity import proof
from tenantry.server.services.identity.profiles import additions_only, apply_profile
from tenantry.server.services.integration import actors, events
from tenantry.server.services.membership import expiry, ledger, sending, spent_links
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
    membership: Membership | SimpleNamespace,
    org: ledger.LockedOrganization,
    user: User | SimpleNamespace,
    settings: EnvironmentSettings,
    now: datetime,
) -> None:
    """Give ``membership`` (the model, or a new one's columns before they are written) a fresh
    link valid for the configured expiry and mail it.
    Any earlier link of this membership stops working. Raises EmailNotVerified and
    TooManyInvitations when the current actor may not send one more (``sending.py``)."""
    meta = settings.organization_meta_name
    sending.check(ctx, uow.session, org.id, MetaName(meta.singular, meta.plural), now)
    token = new_secret()
    spent_links.record(uow.session, membership.invitation_token_hash, spent_links.REPLACED, org.id, now)
    membership.invitation_token_hash = digest(token)
    membership.expires_at = now + timedelta(seconds=settings.invitation_expiry_seconds)
    membership.expiry_announced = False  # a new expiry gets its own invitation.expired
    membership.updated_at = now
    accept_url = f"{ctx.settings.public_url}/invitations/accept?{urlencode({'token': token})}"
    message = render_from_stencil(
        "invitation",
        to=user.email,
        subject=f"Join {org.display_name} on {settings.branding.app_name}",
        settled={"meta_name": settings.organization_meta_name, "branding": settings.branding},
        organization_name=org.display_name,
        inviter_email=membership.inviter_email,
        accept_url=accept_url,
        expires_at=membership.expires_at,
    )
    ctx.mailer.enqueue(uow, message)


def resend(ctx: Context, organization_id: str, user_id: str) -> InviteView:
    """New link, old one dead, expiry restarted, ``resent_count`` + 1.

    Raises NotFound, MembershipAlreadyActive, FailedPrecondition (inactive member), and
    OrganizationUserLimitReached when the invitation had expired (or given its seat back)
    and the organization has no free seat for it.
    """
    with ctx.uow() as uow:
        session = uow.session
        org = ledger.lock_organization(session, organization_id)
        membership = ledger.lock_membership(session, organization_id, user_id)
        now = ctx.clock.now()
        status = membership.status(now)
        if status is MembershipStatus.ACTIVE:
            raise MembershipAlreadyActive()
        if status is MembershipStatus.INACTIVE:
            raise FailedPrecondition(
                "This membership is inactive; re-activate it instead of inviting again.", reason="inactive_membership"
            )
        if status is MembershipStatus.INVITE_EXPIRED or not membership.holds_seat:
            expiry.announce(session, membership, now)
            ledger.hold(session, org, membership, now)  # an expired invitation needs a free seat again
        membership.resent_at = now
        membership.resent_count += 1
        issue(ctx, uow, membership, org, repo.user(session, user_id), environment.load(session), now)
        events.invitation_event(session, "user.organization_invitation", membership, now)
        uow.commit()
        return invite_view(membership, now)


@dataclass(frozen=True)
class Accepted:
    user: UserView
    organization: OrganizationView


def accept(ctx: Context, command: AcceptInvitation) -> Accepted:
    """Activate the membership the token belongs to, once.

    Raises InvitationInvalid (unknown, used, revoked or replaced token), InvitationExpired,
    and OrganizationUserLimitReached only when the limit was lowered below the seats in use.
    Works whether or not sign-up is enabled.
    """
    if command.password:
        check_password_policy(command.password)
    password_hash = hash_password(command.password) if command.password else None  # before locking: ~25 ms
    token_hash = digest(command.token)
    with ctx.uow() as uow:
        session = uow.session
        found = _by_token(session, token_hash)
        user = ledger.lock_user(session, found.user_id)
        org, membership = _locked(session, found.organization_id, found.user_id, token_hash)
        now = ctx.clock.now()
        ledger.accept(session, org, membership, now)
        proof.take_over(session, user, now)  # the link reached the mailbox (SPEC §3)
        if password_hash and user.password_hash is None:
            user.password_hash = password_hash
        apply_profile(session, user, additions_only(command.user_profile), Requirement.SIGNUP)
        user.updated_at = now
        session.flush()
        _announce_acceptance(session, membership, now)
        result = Accepted(user_view(session, user, now), organization_view(org))
        uow.commit()
        return result


def _by_token(session: Session, token_hash: str) -> Membership:
    """The unaccepted membership a link token belongs to (not locked: only its keys are
    used, to take the locks in order). Raises InvitationInvalid."""
    membership = session.scalar(select(Membership).where(Membership.invitation_token_hash == token_hash))
    if membership is None:
        raise spent_links.invalid(session, token_hash)
    if membership.accepted_at is not None:
        raise InvitationInvalid()
    return membership


def _locked(session: Session, organization_id: str, user_id: str, token_hash: str) -> tuple[Organization, Membership]:
    """The organization and the membership, locked in the ledger's order, with the token
    checked again under the lock (a resend or revocation may have replaced it meanwhile).
    Raises InvitationInvalid."""
    try:
        org = ledger.lock_organization(session, organization_id)
        membership = ledger.lock_membership(session, organization_id, user_id)
    except NotFound as exc:
        raise spent_links.invalid(session, token_hash) from exc
    if membership.invitation_token_hash != token_hash:
        raise spent_links.invalid(session, token_hash)
    return org, membership


def _announce_acceptance(session: Session, membership: Membership, now: datetime) -> None:
    """``invitation.accepted`` and the membership's change to active, both by the invitee."""
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
    saved_attributes: dict[str, Any]  # the invitee's custom attributes already in their profile
    acceptance_blocked: bool = False  # the limit was lowered below the seats in use (SPEC §2)


def preview(ctx: Context, token: str) -> InvitationPreview:
    """What the acceptance page shows before anything changes. Raises InvitationInvalid
    and InvitationExpired."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        membership = _by_token(uow.session, digest(token))
        if membership.status(now) is not MembershipStatus.PENDING_INVITE or not membership.holds_seat:
            raise InvitationExpired()
        org = repo.organization(uow.session, membership.organization_id)
        user = repo.user(uow.session, membership.user_id)
        return InvitationPreview(
            org.id,
            org.display_name,
            membership.inviter_email,
            user.email,
            user.id,
            user.password_hash is not None and user.email_verified,  # else the link ends it (SPEC §3)
            membership.expires_at,
            dict(user.custom_attributes or {}),
            seats.acceptance_blocked(org.max_allowed_users, ledger.used(uow.session, org, now)),
        )


def join(ctx: Context, user_id: str, organization_id: str) -> OrganizationView:
    """A signed-in user accepts their own pending invitation (the organization switcher's
    "Join"). Same rules as accepting by link, and only with a verified address: whoever
    created an unverified account may not be the address's owner (SPEC §3), so they need
    the link from the mailbox. Raises EmailNotVerified."""
    with ctx.uow() as uow:
        session = uow.session
        user = ledger.lock_user(session, user_id)
        if not user.email_verified:
            raise EmailNotVerified(
                "Confirm your e-mail address before joining: enter the code we sent you "
                "(Send a new code on the confirmation page), or open the invitation link from your e-mail."
            )
        org = ledger.lock_organization(session, organization_id)
        membership = ledger.lock_membership(session, organization_id, user_id)
        now = ctx.clock.now()
        if membership.status(now) is MembershipStatus.ACTIVE:
            raise MembershipAlreadyActive()
        ledger.accept(session, org, membership, now)
        session.flush()
        _announce_acceptance(session, membership, now)
        view = organization_view(org)
        uow.commit()
        return view
