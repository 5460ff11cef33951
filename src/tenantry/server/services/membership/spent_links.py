"""Why an invitation link stopped working: it was used, replaced by a newer invitation (a
resend), or revoked (the invitation withdrawn or the membership ended). Recorded by digest
where the link dies, so the link's page can say which instead of "not valid"; it says no
more than that (no address, no organization), so a forwarded or leaked old link tells its
holder nothing they did not know."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import SpentInvitationLink
from tenantry.server.domain.errors import InvitationInvalid

USED, REPLACED, REVOKED = "used", "replaced", "revoked"
KEPT = timedelta(days=90)  # the longest an invitation can live: older links get the generic page
MESSAGES = {
    USED: "This invitation was already accepted; its link works only once. Sign in instead.",
    REPLACED: "This invitation link was replaced by a newer invitation; use the link in the most recent e-mail.",
    REVOKED: "This invitation was withdrawn; the link no longer works.",
}


def record(session: Session, token_hash: str | None, reason: str, organization_id: str, now: datetime) -> None:
    """``token_hash`` stops working now, for ``reason`` (nothing to record without a link)."""
    if token_hash is None:
        return
    row = session.get(SpentInvitationLink, token_hash)
    if row is None:
        session.add(
            SpentInvitationLink(token_hash=token_hash, reason=reason, organization_id=organization_id, ended_at=now)
        )
    else:  # cannot happen for random tokens, but a digest is a key: keep the newest reason
        row.reason, row.organization_id, row.ended_at = reason, organization_id, now


def invalid(session: Session, token_hash: str) -> InvitationInvalid:
    """The error for a link that names no live invitation: why, when it is known."""
    row = session.get(SpentInvitationLink, token_hash)
    if row is None or row.reason not in MESSAGES:
        return InvitationInvalid()
    return InvitationInvalid(MESSAGES[row.reason], reason=row.reason)


def forget_old(ctx: Context) -> int:
    """Drop the reasons of links that ended more than KEPT ago (the worker's sweep)."""
    with ctx.uow() as uow:
        gone = uow.session.execute(
            delete(SpentInvitationLink).where(SpentInvitationLink.ended_at < ctx.clock.now() - KEPT)
        ).rowcount  # type: ignore[attr-defined]
        uow.commit()
    return int(gone or 0)
