"""The membership ledger: the ONLY writer of seat state (SPEC §2), exact under concurrency.

Seat state is two things kept in step: ``organizations.seats_held`` and, per membership,
``holds_seat``. ``seats_held`` always equals the number of the organization's memberships
with ``holds_seat`` set. Active memberships always hold a seat; a pending invitation holds
one until it expires and the seat is reclaimed; inactive memberships hold none.

Lock order, the same on every path (so two requests can never wait on each other):
    1. the user row, when the operation changes or needs that user (``lock_user``);
    2. organization rows, in id order (``lock_organization`` / ``lock_organizations``);
    3. membership rows.
Every decision ("does it hold a seat?", "is the invitation still pending?") is made on the
stored flag after these locks are taken, with the clock read after them too, never on a
value read before the transaction waited. Giving a seat back is idempotent: a conditional
UPDATE of ``holds_seat`` decides who gives it back, so a seat is never returned twice.

On PostgreSQL the locks are ``SELECT … FOR UPDATE``; SQLite serialises writers with
``BEGIN IMMEDIATE`` (the whole transaction holds the write lock), so the same code is exact
there too. A seat check is one conditional ``UPDATE`` of one row: its cost does not grow
with the organization's size, and memberships are only counted when it looks full.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, bindparam, delete, func, select, true, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from tenantry.server.db import config_stamp
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import Membership, Organization, User
from tenantry.server.domain import seats
from tenantry.server.domain.errors import FieldError, InvitationExpired, InvitationInvalid, NotFound
from tenantry.server.services.membership import spent_links

# The hot statements, built once: building a statement and computing its cache key on
# every call cost more than running it (issue 18, invitation profile).
_LOCK_USER = select(User).where(User.id == bindparam("id")).with_for_update().execution_options(populate_existing=True)
_LOCK_ORGANIZATION = (
    select(Organization)
    .where(Organization.id == bindparam("id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_ORGANIZATIONS = Organization.__table__.c
# The columns a new membership needs, and (SQLite only) the configuration stamp in the same
# statement (the transaction's first read of it: ``db/config_stamp.py``). Not on PostgreSQL: a
# statement that waits for the organization's row lock re-checks that row only, at READ
# COMMITTED, and would return the stamp as it was before the wait, so a webhook endpoint,
# setting or role changed meanwhile could be used stale (review of issue 18); there
# ``config_stamp.cached`` reads it after the lock. SQLite's transactions begin IMMEDIATE:
# nothing waits inside them. FOR UPDATE locks the organization's row only.
_SEAT_COLUMNS = (
    _ORGANIZATIONS.id,
    _ORGANIZATIONS.display_name,
    _ORGANIZATIONS.max_allowed_users,
    _ORGANIZATIONS.seats_held,
    _ORGANIZATIONS.default_member_role_id,
)
_TAKE_SEAT = (
    update(Organization)
    .where(
        Organization.id == bindparam("organization_id"),
        Organization.max_allowed_users.is_(None) | (Organization.seats_held < Organization.max_allowed_users),
    )
    .values(seats_held=Organization.seats_held + 1)
)


def _seat_statements(columns: tuple[Any, ...]) -> tuple[Any, Any]:
    """The organization's row locked, reading ``columns``; and ``_TAKE_SEAT`` answering the
    same: a seat taken and the row locked (the UPDATE's lock, where FOR UPDATE would take
    it) in one statement (``lock_seats(take=True)``)."""
    lock = select(*columns).where(_ORGANIZATIONS.id == bindparam("id")).with_for_update(of=Organization.__table__)
    return lock, _TAKE_SEAT.returning(*columns)


_SEAT_STATEMENTS = {
    "sqlite": _seat_statements((*_SEAT_COLUMNS, config_stamp.STAMP_COLUMN)),
    "postgresql": _seat_statements(_SEAT_COLUMNS),
}


def lock_user(session: Session, user_id: str) -> User:
    """The user row, locked until the end of the transaction (first in the lock order).
    Raises NotFound when it does not exist (or was deleted while we waited)."""
    found = session.scalar(_LOCK_USER, {"id": user_id})
    if found is None:
        raise repo.no_user(user_id)
    return found


def lock_organization(session: Session, organization_id: str) -> Organization:
    """The organization row, locked until the end of the transaction. Raises NotFound when
    it does not exist (or was deleted while we waited for it)."""
    found = session.scalar(_LOCK_ORGANIZATION, {"id": organization_id})
    if found is None:
        raise _no_organization(organization_id)
    return found


@dataclass
class SeatedOrganization:
    """The organization's row as a new membership needs it, locked (``lock_seats``): no ORM
    object, as the invitation path reads nothing else of it (issue 18)."""

    id: str
    display_name: str
    max_allowed_users: int | None
    seats_held: int
    default_member_role_id: str | None
    seat_taken: bool = False  # one seat taken with the lock, for the next ``take``


# What ``take`` and its callers (``lifecycle.start``) accept: either way of holding the lock.
LockedOrganization = Organization | SeatedOrganization


def lock_seats(session: Session, organization_id: str, *, take: bool = False) -> SeatedOrganization:
    """``lock_organization`` (the same lock, the same place in the lock order) reading only
    what adding a membership needs, on the connection. Raises NotFound.

    ``take``: for a caller about to add one membership (``lifecycle.start``, whose ``take`` it
    then is): when the organization has a free seat, the seat is taken by the statement that
    locks the row, the guarded UPDATE of ``take`` (one statement fewer, issue 18). Otherwise
    (full, or no such organization) the row is locked as without ``take`` and ``take`` decides
    later, in its usual place, as always. Any refusal between the two rolls the transaction
    back, the seat with it."""
    connection = session.connection()
    lock_seats_statement, take_seat_locking = _SEAT_STATEMENTS[connection.dialect.name]
    if take:
        row = connection.execute(take_seat_locking, {"organization_id": organization_id}).first()
        if row is not None:
            return _seated(session, row, taken=True)
    row = connection.execute(lock_seats_statement, {"id": organization_id}).first()
    if row is None:
        raise _no_organization(organization_id)
    return _seated(session, row, taken=False)


def _seated(session: Session, row: Row[Any], *, taken: bool) -> SeatedOrganization:
    if "stamp" in row._fields:  # read with the lock (SQLite, ``_SEAT_STATEMENTS``)
        config_stamp.note(session, row.stamp)
    return SeatedOrganization(
        row.id, row.display_name, row.max_allowed_users, row.seats_held, row.default_member_role_id, taken
    )


def _no_organization(organization_id: str) -> NotFound:
    return NotFound(
        f"No organization with id {organization_id!r}.",
        [FieldError("organization_id", "not_found", "unknown organization")],
    )


def lock_organizations(session: Session, organization_ids: Iterable[str]) -> list[Organization]:
    """Several organization rows, locked in id order (organizations deleted meanwhile are left out)."""
    ids = sorted(set(organization_ids))
    if not ids:
        return []
    return list(
        session.scalars(
            select(Organization)
            .where(Organization.id.in_(ids))
            .order_by(Organization.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def lock_membership(session: Session, organization_id: str, user_id: str) -> Membership:
    """The membership row, locked; the caller already holds its organization's lock.
    Raises NotFound."""
    found = session.scalar(
        select(Membership)
        .where(Membership.organization_id == organization_id, Membership.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound(
            "The user is not a member of this organization and has no invitation to it.", reason="membership"
        )
    return found


def take(session: Session, organization: LockedOrganization, now: datetime) -> None:
    """Reserve one seat for a new membership, a renewed invitation or a re-activation.
    The caller holds the organization's lock.

    Raises OrganizationUserLimitReached when active members plus unexpired invitations
    already reach ``max_allowed_users``.
    """
    if isinstance(organization, SeatedOrganization) and organization.seat_taken:
        organization.seat_taken = False  # taken when locked (``lock_seats(take=True)``)
        return
    if _try_increment(session, organization):
        return
    # Looks full: give back the seats of expired invitations, and look again.
    if reclaim_expired(session, organization, now) and _try_increment(session, organization):
        return
    raise seats.full_error()


def give_back(session: Session, membership: Membership) -> bool:
    """Release ``membership``'s seat if it still holds one; returns whether it did. Safe to
    call twice or concurrently: one conditional UPDATE decides who releases it. The caller
    holds the organization's lock."""
    released = session.execute(
        update(Membership)
        .where(Membership.id == membership.id, Membership.holds_seat.is_(True))
        .values(holds_seat=False)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    set_committed_value(membership, "holds_seat", False)
    if released:
        _add(session, membership.organization_id, -1)
    return bool(released)


def hold(session: Session, organization: Organization, membership: Membership, now: datetime) -> None:
    """Make ``membership`` hold a seat again (resending an expired invitation, re-activating):
    whatever it held before is given back first, so an expired invitation needs a free seat
    like anyone else. Raises OrganizationUserLimitReached."""
    give_back(session, membership)
    take(session, organization, now)
    session.execute(
        update(Membership)
        .where(Membership.id == membership.id)
        .values(holds_seat=True)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(membership, "holds_seat", True)


def reclaim_expired(session: Session, organization: LockedOrganization, now: datetime) -> int:
    """Give back the seats of the organization's expired invitations; returns how many.
    The caller holds the organization's lock, so nobody accepts them meanwhile."""
    released = session.execute(
        update(Membership)
        .where(Membership.organization_id == organization.id, Membership.expired_seat_holder(now))
        .values(holds_seat=False)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if released:
        _add(session, organization.id, -int(released))
        if isinstance(organization, SeatedOrganization):
            organization.seats_held -= int(released)
    return int(released)


def accept(session: Session, organization: Organization, membership: Membership, now: datetime) -> None:
    """Activate a pending invitation, deciding on what is stored: it must still hold its
    seat (an expired one whose seat was reclaimed is expired, whatever the caller's clock
    said) and not be expired at ``now`` (read after the locks). The caller holds the
    organization's and the membership's locks.

    Raises InvitationInvalid (already accepted), InvitationExpired, and
    OrganizationUserLimitReached when the limit was lowered below the seats in use.
    """
    if membership.accepted_at is not None or membership.deactivated_at is not None:
        raise InvitationInvalid()
    if not membership.holds_seat or membership.expires_at is None or membership.expires_at <= now:
        raise InvitationExpired()
    if seats.acceptance_blocked(organization.max_allowed_users, used(session, organization, now)):
        raise seats.over_limit_error()
    _spend_invitation(membership, session, now)


def accept_expired(session: Session, organization: Organization, membership: Membership, now: datetime) -> None:
    """Activate an expired invitation on someone else's word (a directory vouching for the
    person): it takes a seat again like anyone (OrganizationUserLimitReached when full), and
    its link is spent as used, so the link's page says so. The caller holds the
    organization's and the membership's locks."""
    hold(session, organization, membership, now)
    _spend_invitation(membership, session, now)


def _spend_invitation(membership: Membership, session: Session, now: datetime) -> None:
    membership.accepted_at = now
    spent_links.record(session, membership.invitation_token_hash, spent_links.USED, membership.organization_id, now)
    membership.invitation_token_hash = None
    membership.updated_at = now


def deactivate(session: Session, membership: Membership, now: datetime) -> None:
    """Suspend an active membership (SPEC §3 ``inactive``): it keeps its record and frees its
    seat. The caller holds the organization's and the membership's locks."""
    give_back(session, membership)
    membership.deactivated_at = now
    membership.updated_at = now


def reactivate(session: Session, organization: Organization, membership: Membership, now: datetime) -> None:
    """Re-activate an inactive membership: it takes a seat, refused when the organization is
    full (OrganizationUserLimitReached). The caller holds both locks."""
    hold(session, organization, membership, now)
    membership.deactivated_at = None
    membership.updated_at = now


def remove(session: Session, membership: Membership) -> None:
    """Delete ``membership``, giving back its seat if it holds one. The caller holds the
    organization's and the membership's locks."""
    give_back(session, membership)
    session.delete(membership)
    session.flush()


def dissolve(session: Session, organization: Organization) -> list[Membership]:
    """Every membership of ``organization``, locked, for a caller about to delete them all
    (``delete_all``). The caller holds the organization's lock."""
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.organization_id == organization.id)
            .order_by(Membership.id)
            .with_for_update()
        )
    )


def delete_all(session: Session, organization: Organization) -> None:
    """Delete every membership of ``organization``, which is itself being deleted: its seat
    count goes with it. The caller holds the organization's lock."""
    session.execute(
        delete(Membership)
        .where(Membership.organization_id == organization.id)
        .execution_options(synchronize_session=False)
    )
    organization.seats_held = 0


def used(session: Session, organization: Organization, now: datetime) -> int:
    """Seats in use now: active memberships plus unexpired invitations."""
    stale = session.scalar(_stale(organization.id, now))
    return organization.seats_held - int(stale or 0)


def limits(session: Session, organization_ids: Iterable[str], now: datetime) -> dict[str, tuple[int | None, int]]:
    """Each organization's limit and seats in use now (``used``), in one statement however
    many organizations (unknown ids are left out). Read without locks: for saying so up
    front; the ledger decides again under its locks."""
    ids = sorted(set(organization_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            Organization.id,
            Organization.max_allowed_users,
            Organization.seats_held - _stale(Organization.id, now).scalar_subquery(),
        ).where(Organization.id.in_(ids))
    )
    return {org_id: (limit, int(in_use)) for org_id, limit, in_use in rows}


def _stale(organization_id: Any, now: datetime) -> Select[Any]:
    """How many of the organization's expired invitations still hold a seat."""
    return (
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == organization_id, Membership.expired_seat_holder(now))
    )


@dataclass(frozen=True)
class Drift:
    organization_id: str
    display_name: str
    stored: int
    actual: int
    accepted_without_seat: int


def audit(session: Session, *, repair: bool = False) -> list[Drift]:
    """Organizations whose stored seat count disagrees with their memberships, or with
    active members not holding a seat (only a bug or a hand-edited restore makes either).
    With ``repair``, active members get their seat back and counts are recomputed, under
    each organization's lock."""
    drifts: list[Drift] = []
    for org_id in session.scalars(select(Organization.id).order_by(Organization.id)).all():
        org = lock_organization(session, org_id) if repair else session.get_one(Organization, org_id)
        unseated = _unseated_active(session, org.id)
        actual = _holders(session, org.id) + unseated
        if actual != org.seats_held or unseated:
            drifts.append(Drift(org.id, org.display_name, org.seats_held, actual, unseated))
            if repair:
                session.execute(
                    update(Membership)
                    .where(_accepted_without_seat(org.id))
                    .values(holds_seat=True)
                    .execution_options(synchronize_session=False)
                )
                org.seats_held = actual
                session.flush()
    return drifts


def recount_all(executor: Connection | Session) -> None:
    """Make seat state follow from the memberships everywhere (after an import): active
    members hold a seat, inactive ones none, and every counter is recounted. For a
    database nobody else is writing to."""
    executor.execute(update(Membership).where(_accepted_without_seat(None)).values(holds_seat=True))
    executor.execute(
        update(Membership)
        .where(Membership.deactivated_at.is_not(None), Membership.holds_seat.is_(True))
        .values(holds_seat=False)
    )
    held = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == Organization.id, Membership.holds_seat.is_(True))
        .scalar_subquery()
    )
    executor.execute(update(Organization).values(seats_held=held))


def _holders(session: Session, organization_id: str) -> int:
    count = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organization_id == organization_id, Membership.holds_seat.is_(True))
    )
    return int(count or 0)


def _accepted_without_seat(organization_id: str | None) -> ColumnElement[bool]:
    """Active memberships without a seat (of one organization, or of all with None)."""
    return and_(
        true() if organization_id is None else Membership.organization_id == organization_id,
        Membership.accepted_at.is_not(None),
        Membership.deactivated_at.is_(None),
        Membership.holds_seat.is_(False),
    )


def _unseated_active(session: Session, organization_id: str) -> int:
    count = session.scalar(select(func.count()).select_from(Membership).where(_accepted_without_seat(organization_id)))
    return int(count or 0)


def _try_increment(session: Session, organization: LockedOrganization) -> bool:
    # On the connection: a plain UPDATE, without the ORM's bulk-update set-up (the
    # organization's object is brought in step just below).
    taken = session.connection().execute(_TAKE_SEAT, {"organization_id": organization.id})
    if taken.rowcount == 1:
        if isinstance(organization, SeatedOrganization):
            organization.seats_held += 1
        else:
            set_committed_value(organization, "seats_held", organization.seats_held + 1)
    return bool(taken.rowcount == 1)


def _add(session: Session, organization_id: str, delta: int) -> None:
    session.execute(
        update(Organization)
        .where(Organization.id == organization_id)
        .values(seats_held=Organization.seats_held + delta)
        .execution_options(synchronize_session=False)
    )
    org = session.identity_map.get(identity_key(Organization, organization_id))
    if isinstance(org, Organization):
        set_committed_value(org, "seats_held", org.seats_held + delta)
