"""``invitation.expired``: recorded once per expiry, by whoever first sees it.

A membership's status is derived from the clock (STYLE.md habit 4), so nothing changes
when an invitation expires; the event is written by the first request that observes the
expiry (reading the user, resending the invitation) or by the worker's sweep, whichever
comes first. One conditional UPDATE of ``expiry_announced`` decides who that is, so
concurrent observers on any number of processes record it exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tenantry.server.context import Context
from tenantry.server.db.models import Membership
from tenantry.server.services.integration import events

SWEEP_BATCH = 200


def _unannounced(now: datetime) -> ColumnElement[bool]:
    return and_(Membership.expired_invitation(now), Membership.expiry_announced.is_(False))


def announce(session: Session, membership: Membership, now: datetime) -> bool:
    """Record ``invitation.expired`` for ``membership`` unless someone already did (or it
    has not expired). Returns whether this call recorded it."""
    claimed = session.execute(
        update(Membership)
        .where(Membership.id == membership.id, _unannounced(now))
        .values(expiry_announced=True)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if claimed != 1:
        return False
    set_committed_value(membership, "expiry_announced", True)
    events.invitation_event(session, "invitation.expired", membership, now)
    return True


def observe_for_user(ctx: Context, user_id: str) -> int:
    """A read saw one of the user's invitations expired: record the events still missing."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:  # most reads find nothing to do: stay read-only then
        if not uow.session.scalar(select(exists().where(Membership.user_id == user_id, _unannounced(now)))):
            return 0
    with ctx.uow() as uow:
        rows = uow.session.scalars(select(Membership).where(Membership.user_id == user_id, _unannounced(now))).all()
        count = sum(announce(uow.session, row, now) for row in rows)
        uow.commit()
        return count


def sweep(ctx: Context, batch: int = SWEEP_BATCH) -> int:
    """Record ``invitation.expired`` for up to ``batch`` expired invitations nobody has
    observed yet (the worker calls this periodically). Returns how many it recorded."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        rows = uow.session.scalars(
            select(Membership).where(_unannounced(now)).order_by(Membership.expires_at).limit(batch)
        ).all()
        count = sum(announce(uow.session, row, now) for row in rows)
        uow.commit()
        return count
