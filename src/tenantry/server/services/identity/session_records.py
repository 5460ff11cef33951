"""Browser sessions as the management API shows them (Scalekit's session service, SPEC §15):
read one, list a user's, revoke one or all.

A session ends by deleting its row (``sessions.end``): a revoked or logged-out session is no
longer listed, and an expired one is listed as ``expired`` until it is cleaned up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, not_, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import BrowserSession, Membership
from tenantry.server.db.paging import fetch_page
from tenantry.server.domain.errors import FieldError, NotFound
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.services.identity import session_policy, sessions


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user_id: str
    organization_id: str | None
    authenticated_organizations: list[str]
    user_agent: str | None
    created_at: datetime
    last_active_at: datetime
    absolute_expires_at: datetime
    idle_expires_at: datetime | None
    status: str  # active | expired | revoked

    @property
    def updated_at(self) -> datetime:
        return self.last_active_at

    @property
    def ends_at(self) -> datetime:
        """The earlier of the two timeouts (when an expired session expired)."""
        idle = self.idle_expires_at
        return self.absolute_expires_at if idle is None else min(self.absolute_expires_at, idle)


def _record(session: Session, row: BrowserSession, now: datetime, status: str | None = None) -> SessionRecord:
    organizations = list(
        session.scalars(
            select(Membership.organization_id)
            .where(Membership.user_id == row.user_id, Membership.accepted_at.is_not(None))
            .where(Membership.deactivated_at.is_(None))
            .order_by(Membership.organization_id)
        )
    )
    return SessionRecord(
        id=row.id,
        user_id=row.user_id,
        organization_id=row.organization_id,
        authenticated_organizations=organizations,
        user_agent=row.user_agent,
        created_at=row.created_at,
        last_active_at=row.last_seen_at,
        absolute_expires_at=row.expires_at,
        idle_expires_at=row.idle_expires_at,
        status=status or ("active" if session_policy.is_live(row, now) else "expired"),
    )


def _row(session: Session, session_id: str) -> BrowserSession:
    row = session.scalar(select(BrowserSession).where(BrowserSession.id == session_id))
    if row is None:
        raise NotFound(
            f"No session with id {session_id!r}.", [FieldError("session_id", "not_found", "unknown or ended session")]
        )
    return row


def get(ctx: Context, session_id: str) -> SessionRecord:
    """The session (active or expired). Raises NotFound (unknown, revoked or logged out)."""
    with ctx.uow(readonly=True) as uow:
        return _record(uow.session, _row(uow.session, session_id), ctx.clock.now())


def list_for_user(ctx: Context, user_id: str, request: PageRequest, statuses: frozenset[str]) -> Page[SessionRecord]:
    """The user's sessions, newest first, narrowed to ``statuses`` (``active``, ``expired``;
    empty = all). One page of at most ``request.size``. Raises NotFound (user)."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        repo.user(uow.session, user_id)
        stmt = select(BrowserSession).where(BrowserSession.user_id == user_id)
        wanted = statuses & {"active", "expired"} if statuses else {"active", "expired"}
        if wanted == {"active"}:
            stmt = stmt.where(session_policy.live_at(now))
        elif wanted == {"expired"}:
            stmt = stmt.where(not_(session_policy.live_at(now)))
        elif not wanted:
            stmt = stmt.where(false())
        page = fetch_page(uow.session, stmt, BrowserSession.id, request, descending=True)
        records = [_record(uow.session, row, now) for row in page.items]
        return Page(records, page.next_page_token, page.prev_page_token, page.total_size)


def revoke(ctx: Context, session_id: str) -> SessionRecord:
    """End the session and revoke the refresh tokens applications got through it. Raises
    NotFound (unknown or already ended)."""
    with ctx.uow() as uow:
        row = _row(uow.session, session_id)
        repo.user(uow.session, row.user_id, for_update=True)
        now = ctx.clock.now()
        status = "revoked" if session_policy.is_live(row, now) else "expired"
        record = _record(uow.session, row, now, status=status)
        sessions.end_rows(uow.session, [row], now)
        uow.commit()
        return record


def revoke_all(ctx: Context, user_id: str) -> list[SessionRecord]:
    """Sign the user out everywhere (``sessions.end_everywhere``: every session, and every
    refresh token applications hold for them); returns the sessions that were active.
    Raises NotFound (user)."""
    with ctx.uow() as uow:
        repo.user(uow.session, user_id, for_update=True)
        now = ctx.clock.now()
        rows = uow.session.scalars(select(BrowserSession).where(BrowserSession.user_id == user_id))
        revoked = [_record(uow.session, row, now, status="revoked") for row in rows if session_policy.is_live(row, now)]
        sessions.end_everywhere_in(uow.session, user_id, now)
        uow.commit()
        return revoked
