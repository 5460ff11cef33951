"""What the operations endpoints ask of the database: is it usable, and how many webhook
deliveries wait. Neither goes through a unit of work: they change nothing and must stay cheap."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tenantry.server.context import Context
from tenantry.server.db.models import WebhookDelivery


def database_ready(ctx: Context) -> bool:
    """True when a connection can be had and answers a query (``/readyz``)."""
    try:
        with ctx.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError:
        return False
    return True


def webhook_backlog(ctx: Context) -> tuple[int, float]:
    """Pending deliveries, and the age in seconds of the oldest of them."""
    with ctx.engine.connect() as connection:
        pending, oldest = connection.execute(
            select(func.count(), func.min(WebhookDelivery.created_at)).where(WebhookDelivery.status == "pending")
        ).one()
    if not pending or oldest is None:
        return 0, 0.0
    return int(pending), max((ctx.clock.now() - oldest).total_seconds(), 0.0)
