"""Open invitations across every organization (the dashboard's Invitations tab)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from tenantry.server.context import Context
from tenantry.server.db import search
from tenantry.server.db.models import Membership, Organization, User
from tenantry.server.db.paging import fetch_page
from tenantry.server.domain.pagination import Page, PageRequest
from tenantry.server.services.read_models.views import InviteView, held_roles, invite_view

Status = Literal["pending", "expired"]


@dataclass(frozen=True)
class OpenInvitation:
    invite: InviteView
    email: str
    organization_name: str
    roles: list[str]


def list_page(
    ctx: Context, request: PageRequest, status: Status | None = None, email_prefix: str = ""
) -> Page[OpenInvitation]:
    """Invitations not yet accepted, oldest first: all, only pending (still valid) or only
    expired ones, optionally for e-mails starting with ``email_prefix``."""
    now = ctx.clock.now()
    with ctx.uow(readonly=True) as uow:
        stmt = select(Membership).where(Membership.accepted_at.is_(None), Membership.deactivated_at.is_(None))
        if status == "pending":
            stmt = stmt.where(Membership.pending_invitation(now))
        elif status == "expired":
            stmt = stmt.where(Membership.expired_invitation(now))
        if email_prefix.strip():
            prefix = search.email_prefix(uow.session, email_prefix)
            stmt = stmt.join(User, User.id == Membership.user_id).where(prefix)
        page = fetch_page(uow.session, stmt, Membership.id, request)
        user_ids = {m.user_id for m in page.items}
        org_ids = {m.organization_id for m in page.items}
        emails = dict(uow.session.execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
        names = dict(
            uow.session.execute(
                select(Organization.id, Organization.display_name).where(Organization.id.in_(org_ids))
            ).all()
        )
        held = held_roles(uow.session, [m.id for m in page.items])
        items = [
            OpenInvitation(
                invite_view(m, now), emails[m.user_id], names[m.organization_id], [r.name for r in held[m.id]]
            )
            for m in page.items
        ]
        return Page(items, page.next_page_token, page.prev_page_token, page.total_size)
