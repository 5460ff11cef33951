"""A directory user's membership follows its ``active`` flag, through the ledger's seat cap.

``active: true`` needs an active membership: a new one (``lifecycle.start``, method
``directory``), a re-activated one or an invitation completed, each taking a seat and
refused with OrganizationUserLimitReached when the organization is full. ``active: false``
makes it ``inactive``: the seat is given back and the user's tokens and sessions for this
organization end. The caller holds the user's and the organization's locks (ledger order).
Deactivating or ending the organization's last member who can manage members is refused
with LastAdmin, as everywhere else (SPEC §9).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.inserts import Row
from tenantry.server.db.models import Directory, Membership, Organization, User
from tenantry.server.db.uow import UnitOfWork
from tenantry.server.domain.errors import LastAdmin, OrganizationUserLimitReached
from tenantry.server.domain.memberships import MembershipStatus
from tenantry.server.services.directory import environment
from tenantry.server.services.identity import sessions
from tenantry.server.services.integration import events
from tenantry.server.services.membership import access, ledger, lifecycle

UPDATED = "user.organization_membership_updated"
T = TypeVar("T")


def follow(
    ctx: Context, uow: UnitOfWork, org: Organization, user: User, *, active: bool, roles: list[str]
) -> Membership | Row | None:
    """Make the user's membership of ``org`` match ``active``; returns it (a new one as the row
    written; None when an inactive directory user never had one). Raises
    OrganizationUserLimitReached."""
    session = uow.session
    membership = repo.find_membership(session, org.id, user.id)
    if membership is None:
        if not active:
            return None
        return lifecycle.start(
            ctx,
            uow,
            org,
            user,
            roles,
            invite=False,
            inviter_email=None,
            settings=environment.load(session),
            method="directory",
        )
    membership = ledger.lock_membership(session, org.id, user.id)
    now = ctx.clock.now()
    status = membership.status(now)
    if active and status is not MembershipStatus.ACTIVE:
        lifecycle.vouch(ctx, session, org, membership)
        events.membership_event(session, UPDATED, membership, now)
    elif not active and status is not MembershipStatus.INACTIVE:
        with access.keeping_last_admin(session, org.id):
            ledger.deactivate(session, membership, now)
        sessions.end_for_organization(session, user.id, org.id, now)
        events.membership_event(session, UPDATED, membership, now)
    return membership


def end(ctx: Context, session: Session, org: Organization, user: User) -> None:
    """End the user's membership of ``org`` (if any) by the one removal path, and the
    user's sessions there."""
    if repo.find_membership(session, org.id, user.id) is None:
        return
    lifecycle.remove_in(ctx, session, org.id, user.id)
    sessions.end_for_organization(session, user.id, org.id, ctx.clock.now())


def refusing(ctx: Context, directory_id: str, who: Callable[[], dict[str, Any]], action: Callable[[], T]) -> T:
    """``action``; when it is refused (organization full, last admin), the refusal event
    naming ``who()`` (``{"user": …}`` or ``{"group": …}``) is recorded in its own
    transaction and the refusal raised."""
    try:
        return action()
    except (OrganizationUserLimitReached, LastAdmin) as refusal:
        record_refusal(ctx, directory_id, refusal, who())
        raise


def record_refusal(
    ctx: Context, directory_id: str, refusal: OrganizationUserLimitReached | LastAdmin, who: dict[str, Any]
) -> None:
    """The audit event (and webhook) for a provisioning call refused because the
    organization is full or would lose its last manager, in its own transaction: the
    refused change was rolled back whole. A directory deleted meanwhile leaves nothing."""
    with ctx.uow() as uow:
        directory = uow.session.get(Directory, directory_id)
        if directory is None:
            return
        events.record(
            uow.session,
            "directory.user_refused",
            {
                "directory_id": directory.id,
                "organization_id": directory.organization_id,
                "code": refusal.code,
                "message": refusal.message,
                **who,
            },
            ordering_key=f"directory:{directory.id}",
            now=ctx.clock.now(),
            organization_id=directory.organization_id,
        )
        uow.commit()
