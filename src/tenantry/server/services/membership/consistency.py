"""Seat accounting checked against the memberships (``tenantry doctor``).

The ledger keeps ``seats_held`` exact as it goes; this is for operators after a restore
from a backup taken mid-write, a hand edit, or a bug: it recounts every organization from
its memberships and reports (and, asked to, repairs) any difference.
"""

from __future__ import annotations

from tenantry.server.context import Context
from tenantry.server.services.membership import ledger
from tenantry.server.services.membership.ledger import Drift


def check_seats(ctx: Context, *, repair: bool = False) -> list[Drift]:
    """Organizations whose seat count disagrees with their memberships (or with active
    members that hold no seat). With ``repair`` they are corrected, each under its lock, in
    one transaction. Without it nothing is written."""
    with ctx.uow(readonly=not repair) as uow:
        drifts = ledger.audit(uow.session, repair=repair)
        if repair:
            uow.commit()
        return drifts
