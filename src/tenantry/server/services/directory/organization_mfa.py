"""An organization's MFA requirement (SPEC §13): its active members sign in with a second
factor (services/identity/mfa.py reads it)."""

from __future__ import annotations

from tenantry.server.context import Context
from tenantry.server.db import repositories as repo
from tenantry.server.services.integration import events
from tenantry.server.services.membership import ledger


def required(ctx: Context, organization_id: str) -> bool:
    """Raises NotFound."""
    with ctx.uow(readonly=True) as uow:
        return repo.organization(uow.session, organization_id).mfa_required


def set_required(ctx: Context, organization_id: str, value: bool) -> bool:
    """Raises NotFound."""
    with ctx.uow() as uow:
        org = ledger.lock_organization(uow.session, organization_id)
        if org.mfa_required != value:
            now = ctx.clock.now()
            org.mfa_required = value
            org.updated_at = now
            events.organization_event(uow.session, "organization.updated", org, now)
        uow.commit()
        return value
