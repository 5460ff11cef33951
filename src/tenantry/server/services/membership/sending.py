"""Who may make Tenantry e-mail an invitation, and how many per hour.

Invitation e-mails go out from the deployment's own sender, worded with an organization name
the inviter chose, so an open sign-up would otherwise be a spam and phishing relay. Three
rules, checked wherever an invitation is mailed (``invitations.issue``: new and resent ones):

- a user inviting from the hosted pages must have verified their address (SPEC §3: an
  unverified account has no power over others);
- such users send at most ``invitations_per_inviter_per_hour`` in any rolling hour, across
  organizations, and an organization's members together at most
  ``invitations_per_organization_per_hour``;
- the application (management API), administrators (dashboard) and the system have their
  own, higher bound per organization, ``api_invitations_per_organization_per_hour``, so bulk
  onboarding works while a leaked client cannot mail without end.

Counts come from the audit log's ``user.organization_invitation`` events (one per e-mail),
on the application's clock, so every server process sees the same numbers; the
organization's count is read under its row lock (the caller holds it), so concurrent
invitations cannot overshoot it. A bound of 0 turns that limit off.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from tenantry.server.context import Context
from tenantry.server.db.models import Event, User
from tenantry.server.domain.errors import EmailNotVerified, TooManyInvitations
from tenantry.server.domain.wording import MetaName
from tenantry.server.services.integration import actors

INVITATION_EVENT = "user.organization_invitation"
WINDOW = timedelta(hours=1)


def check(ctx: Context, session: Session, organization_id: str, meta: MetaName, now: datetime) -> None:
    """Raise EmailNotVerified or TooManyInvitations if the current actor may not have one
    more invitation to the organization mailed now. The caller holds its lock."""
    actor = actors.current()
    settings = ctx.settings
    if actor.type == "USER":
        inviter = session.get(User, actor.id) if actor.id else None
        if inviter is None or not inviter.email_verified:
            raise EmailNotVerified("Verify your e-mail address before you invite anyone.")
        by_inviter = (Event.actor_type == "USER", Event.actor_id == actor.id)
        _within(session, now, settings.invitations_per_inviter_per_hour, by_inviter, "You have")
        by_members = (Event.organization_id == organization_id, Event.actor_type == "USER")
        members = f"The members of this {meta.singular_lower} have"
        _within(session, now, settings.invitations_per_organization_per_hour, by_members, members)
    elif bound := settings.api_invitations_per_organization_per_hour:  # 0: no limit, nothing to build
        by_application = (Event.organization_id == organization_id, Event.actor_type != "USER")
        _within(session, now, bound, by_application, f"This {meta.singular_lower} has")


def _within(session: Session, now: datetime, bound: int, where: tuple[ColumnElement[bool], ...], who: str) -> None:
    """Raise TooManyInvitations when ``bound`` invitations matching ``where`` were mailed in
    the hour before ``now``; Retry-After is when the oldest of them leaves the window."""
    if bound == 0:
        return
    since = now - WINDOW
    recent = (
        select(Event.created_at)
        .where(Event.type == INVITATION_EVENT, Event.created_at > since, *where)
        .order_by(Event.created_at.desc())
        .limit(bound)
        .subquery()
    )
    count, oldest = session.execute(select(func.count(), func.min(recent.c.created_at))).one()
    if count < bound:
        return
    retry_after = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
    raise TooManyInvitations(
        f"{who} sent {bound} invitations in the last hour, the most allowed. Try again in {_minutes(retry_after)}.",
        retry_after,
    )


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "a minute" if minutes <= 1 else f"{minutes} minutes"
