"""Secrets shared by every server process of the environment, created on first use."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from tenantry.server.context import Context
from tenantry.server.db.models import ServerSecret


def get(ctx: Context, name: str) -> str:
    """The secret called ``name``; generated (256 bits) and stored the first time. Cached
    per process: these never change while a server runs."""
    cached = ctx.cache.get(("secret", name))
    if cached is not None:
        return str(cached)
    with ctx.uow(readonly=True) as uow:
        row = uow.session.get(ServerSecret, name)
        value = row.value if row else None
    if value is None:
        try:
            with ctx.uow() as uow:
                value = secrets.token_urlsafe(32)
                uow.session.add(ServerSecret(name=name, value=value, created_at=ctx.clock.now()))
                uow.commit()
        except IntegrityError:  # another process created it first: use theirs
            with ctx.uow(readonly=True) as uow:
                value = uow.session.get(ServerSecret, name).value  # type: ignore[union-attr]
    ctx.cache[("secret", name)] = value
    return value
