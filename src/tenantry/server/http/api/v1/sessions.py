"""Scalekit's session service over REST (SPEC §15): the hosted pages' browser sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from tenantry.server.http.api.v1 import routers
from tenantry.server.http.deps import Ctx, Paging
from tenantry.server.services.identity import session_records
from tenantry.server.services.identity.session_records import SessionRecord

router = routers.protected("sessions")


class Device(BaseModel):
    user_agent: str | None


class SessionDetails(BaseModel):
    session_id: str
    user_id: str
    organization_id: str | None
    authenticated_organizations: list[str]
    created_at: datetime
    updated_at: datetime
    last_active_at: datetime
    absolute_expires_at: datetime
    idle_expires_at: datetime | None = None
    expired_at: datetime | None = None
    logout_at: datetime | None = None
    status: str
    device: Device


class RevokedSession(BaseModel):
    revoked_session: SessionDetails


class UserSessions(BaseModel):
    sessions: list[SessionDetails]
    next_page_token: str
    prev_page_token: str
    total_size: int


class RevokedSessions(BaseModel):
    revoked_sessions: list[SessionDetails]
    total_revoked: int


def details(record: SessionRecord, ended_at: datetime | None = None) -> SessionDetails:
    return SessionDetails(
        session_id=record.id,
        user_id=record.user_id,
        organization_id=record.organization_id,
        authenticated_organizations=record.authenticated_organizations,
        created_at=record.created_at,
        updated_at=record.updated_at,
        last_active_at=record.last_active_at,
        absolute_expires_at=record.absolute_expires_at,
        idle_expires_at=record.idle_expires_at,
        expired_at=ended_at if record.status != "active" else None,
        status=record.status,
        device=Device(user_agent=record.user_agent),
    )


@router.get("/sessions/{session_id}", response_model=SessionDetails)
def get_session(ctx: Ctx, session_id: str) -> SessionDetails:
    """An active or expired session; a revoked or logged-out one is gone (404)."""
    record = session_records.get(ctx, session_id)
    return details(record, record.ends_at)


@router.post("/sessions/{session_id}/revoke", response_model=RevokedSession)
def revoke_session(ctx: Ctx, session_id: str) -> RevokedSession:
    """Signs the browser out and revokes the refresh tokens applications got through it."""
    record = session_records.revoke(ctx, session_id)
    return RevokedSession(revoked_session=details(record, ctx.clock.now()))


@router.get("/users/{user_id}/sessions", response_model=UserSessions)
def list_user_sessions(
    ctx: Ctx,
    user_id: str,
    paging: Paging,
    status: Annotated[list[str] | None, Query(alias="filter.status", description="active and/or expired")] = None,
) -> UserSessions:
    """The user's sessions, newest first (Scalekit's `filter.status` narrows them)."""
    page = session_records.list_for_user(ctx, user_id, paging, frozenset(s.lower() for s in status or []))
    return UserSessions(
        sessions=[details(r, r.ends_at) for r in page.items],
        next_page_token=page.next_page_token,
        prev_page_token=page.prev_page_token,
        total_size=page.total_size,
    )


@router.post("/users/{user_id}/sessions/revoke", response_model=RevokedSessions)
def revoke_user_sessions(ctx: Ctx, user_id: str) -> RevokedSessions:
    """Signs the user out of every browser, with their applications' refresh tokens."""
    revoked = session_records.revoke_all(ctx, user_id)
    now = ctx.clock.now()
    return RevokedSessions(revoked_sessions=[details(r, now) for r in revoked], total_revoked=len(revoked))
