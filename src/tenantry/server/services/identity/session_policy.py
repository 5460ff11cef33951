"""Organizations' session policies (Scalekit's ``…/session-policy``; rules in
``domain/session_policy.py``): read, change, and apply to a browser session.

A change applies at once to the live sessions signed in to the organization: a shorter
absolute timeout brings their expiry forward (a longer one, or going back to the application's
policy, applies to sessions started afterwards), and their idle expiry follows the new idle
timeout.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.db.models import BrowserSession, Organization
from tenantry.server.domain import session_policy as rules
from tenantry.server.domain.session_policy import SessionPolicy
from tenantry.server.services.commands import Strict
from tenantry.server.services.integration import events
from tenantry.server.services.membership import ledger

Unit = Literal["MINUTES", "HOURS", "DAYS", "minutes", "hours", "days"]


class SessionPolicyInput(Strict):
    """Scalekit's ``UpdateOrganizationSessionPolicyRequest`` (REST body and gRPC request)."""

    policy_source: Literal["APPLICATION", "CUSTOM"]
    absolute_session_timeout: int | None = Field(default=None, ge=1)
    absolute_session_timeout_unit: Unit | None = None
    idle_session_timeout_enabled: bool | None = None
    idle_session_timeout: int | None = Field(default=None, ge=1)
    idle_session_timeout_unit: Unit | None = None


class SessionPolicyView(BaseModel):
    """Scalekit's ``OrganizationSessionPolicySettings``: times in minutes; the timeouts are
    left out when the organization follows the application's policy."""

    policy_source: str
    absolute_session_timeout: int | None = None
    absolute_session_timeout_unit: str | None = None
    idle_session_timeout_enabled: bool | None = None
    idle_session_timeout: int | None = None
    idle_session_timeout_unit: str | None = None


def _view(org: Organization) -> SessionPolicyView:
    policy = of(org)
    if not policy.custom:
        return SessionPolicyView(policy_source="APPLICATION")
    idle = int(policy.idle.total_seconds()) // 60 if policy.idle else None
    return SessionPolicyView(
        policy_source="CUSTOM",
        absolute_session_timeout=int(policy.absolute.total_seconds()) // 60,
        absolute_session_timeout_unit="MINUTES",
        idle_session_timeout_enabled=idle is not None,
        idle_session_timeout=idle,
        idle_session_timeout_unit="MINUTES" if idle is not None else None,
    )


def of(org: Organization | None) -> SessionPolicy:
    if org is None:
        return rules.APPLICATION
    return SessionPolicy.stored(org.session_absolute_timeout_minutes, org.session_idle_timeout_minutes)


def for_organization(session: Session, organization_id: str | None) -> SessionPolicy:
    """The policy of sessions signed in to the organization (none: the application's)."""
    if not organization_id:
        return rules.APPLICATION
    loaded = session.identity_map.get(identity_key(Organization, organization_id))
    if loaded is not None:  # as this unit of work has it, changes not yet flushed included
        return of(loaded)
    row = session.connection().execute(_POLICY_COLUMNS, {"organization_id": organization_id}).first()
    return rules.APPLICATION if row is None else SessionPolicy.stored(*row)


_ORGANIZATIONS = Organization.__table__.c
# Two columns by primary key, built once, read on the connection (issue 18: not the whole
# organization through the identity map on every sign-in).
_POLICY_COLUMNS = select(
    _ORGANIZATIONS.session_absolute_timeout_minutes, _ORGANIZATIONS.session_idle_timeout_minutes
).where(_ORGANIZATIONS.id == bindparam("organization_id"))


def is_live(row: BrowserSession | Any, now: datetime) -> bool:
    return row.expires_at > now and (row.idle_expires_at is None or row.idle_expires_at > now)


def live_at(now: datetime) -> ColumnElement[bool]:
    """The sessions neither timeout has ended (``is_live`` in SQL)."""
    idle = BrowserSession.idle_expires_at
    return and_(BrowserSession.expires_at > now, or_(idle.is_(None), idle > now))


def ended_at(row: BrowserSession) -> datetime:
    """When the session ends (or ended): the earlier of its two timeouts."""
    return row.expires_at if row.idle_expires_at is None else min(row.expires_at, row.idle_expires_at)


def apply(row: BrowserSession, policy: SessionPolicy) -> None:
    """Bring a live session under ``policy`` (its organization's): never later than the
    absolute timeout allows, idle expiry from its last activity."""
    row.expires_at = min(row.expires_at, row.created_at + policy.absolute)
    row.idle_expires_at = policy.idle_expires_at(row.last_seen_at)


def get(ctx: Context, organization_id: str) -> SessionPolicyView:
    """Raises NotFound."""
    with ctx.uow(readonly=True) as uow:
        return _view(repo.organization(uow.session, organization_id))


def update(ctx: Context, organization_id: str, data: SessionPolicyInput) -> SessionPolicyView:
    """Raises NotFound, InvalidArgument (out of range, idle longer than absolute)."""
    absolute: int | None = None
    idle: int | None = None
    if data.policy_source == "CUSTOM":
        given = data.absolute_session_timeout
        absolute_minutes = (
            rules.minutes(given, data.absolute_session_timeout_unit, "absolute_session_timeout")
            if given is not None
            else None
        )
        idle_given = data.idle_session_timeout
        idle_minutes = (
            rules.minutes(idle_given, data.idle_session_timeout_unit, "idle_session_timeout")
            if idle_given is not None
            else None
        )
        absolute, idle = rules.custom(absolute_minutes, data.idle_session_timeout_enabled, idle_minutes)
    with ctx.uow() as uow:
        session = uow.session
        org = ledger.lock_organization(session, organization_id)
        now = ctx.clock.now()
        org.session_absolute_timeout_minutes, org.session_idle_timeout_minutes = absolute, idle
        org.updated_at = now
        _apply_to_live_sessions(session, org, now)
        session.flush()
        events.organization_event(session, "organization.updated", org, now)
        view = _view(org)
        uow.commit()
        return view


def _apply_to_live_sessions(session: Session, org: Organization, now: datetime) -> None:
    policy = of(org)
    live = select(BrowserSession).where(BrowserSession.organization_id == org.id, live_at(now))
    for row in session.scalars(live):
        apply(row, policy)
