"""Seat accounting for ``max_allowed_users`` (SPEC §2), exact under concurrency.

What counts: active memberships and unexpired invitations. Stored: ``seats_held`` on the
organization row = memberships with ``holds_seat``. The two differ only by invitations that
expired but have not yet given their seat back; those are reclaimed lazily, under the
organization's row lock, the moment a request would otherwise be refused.

Why this shape: taking a seat is one conditional ``UPDATE`` of one row, which PostgreSQL
serialises on the row lock (re-checking the condition after waiting) and SQLite serialises
with ``BEGIN IMMEDIATE``. No request counts memberships unless the organization looks full.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session

from tenantry.server.db.models import Membership, Organization
from tenantry.server.domain.errors import OrganizationUserLimitReached


def _expired_holds(organization_id: str, now: datetime) -> ColumnElement[bool]:
    return and_(
        Membership.organization_id == organization_id,
        Membership.holds_seat.is_(True),
        Membership.accepted_at.is_(None),
        Membership.expires_at <= now,
    )


def _try_increment(session: Session, organization_id: str) -> bool:
    result = session.execute(
        update(Organization)
        .where(
            Organization.id == organization_id,
            (Organization.max_allowed_users.is_(None)) | (Organization.seats_held < Organization.max_allowed_users),
        )
        .values(seats_held=Organization.seats_held + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _lock(session: Session, organization_id: str) -> None:
    session.execute(select(Organization.id).where(Organization.id == organization_id).with_for_update())


def _reclaim_expired(session: Session, organization_id: str, now: datetime) -> int:
    """Give back the seats of expired invitations. Caller holds the organization's lock."""
    released = session.execute(
        update(Membership)
        .where(_expired_holds(organization_id, now))
        .values(holds_seat=False)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if released:
        release(session, organization_id, released)
    return int(released)


def take(session: Session, organization_id: str, now: datetime) -> None:
    """Reserve one seat in the organization for a new membership or a renewed invitation.

    Raises OrganizationUserLimitReached when active members plus unexpired invitations
    already reach ``max_allowed_users``.
    """
    if _try_increment(session, organization_id):
        return
    # Looks full: lock the row, give back seats of expired invitations, and look again
    # (a seat may also have been freed since the first attempt).
    _lock(session, organization_id)
    _reclaim_expired(session, organization_id, now)
    if _try_increment(session, organization_id):
        return
    raise OrganizationUserLimitReached()


def release(session: Session, organization_id: str, count: int = 1) -> None:
    """Give back ``count`` seats (a membership that held one was removed or expired)."""
    session.execute(
        update(Organization)
        .where(Organization.id == organization_id)
        .values(seats_held=Organization.seats_held - count)
        .execution_options(synchronize_session=False)
    )


def used(session: Session, organization: Organization, now: datetime) -> int:
    """Seats in use now: active memberships plus unexpired invitations."""
    stale = session.scalar(select(func.count()).select_from(Membership).where(_expired_holds(organization.id, now)))
    return organization.seats_held - int(stale or 0)


def ensure_acceptance_allowed(session: Session, organization: Organization, now: datetime) -> None:
    """An unexpired invitation already holds its seat, so accepting it is allowed, except
    after the limit was lowered: then it is refused while the seats used by everyone else
    already reach the limit. Raises OrganizationUserLimitReached."""
    limit = organization.max_allowed_users
    if limit is None or organization.seats_held - 1 < limit:
        return  # the stored count is an upper bound of the exact one
    if used(session, organization, now) - 1 >= limit:
        raise OrganizationUserLimitReached(
            "The organization is over its user limit; this invitation cannot be accepted until a seat frees up."
        )
