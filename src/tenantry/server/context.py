"""Everything a use case needs from the outside world, built once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.uow import ReadConnection, UnitOfWork
from tenantry.server.domain.clock import Clock, SystemClock
from tenantry.server.email.sender import Mailer, mailer_for
from tenantry.server.ratelimits import Limiter
from tenantry.server.settings import Settings


@dataclass
class Context:
    settings: Settings
    engine: Engine
    clock: Clock
    mailer: Mailer = field(repr=False)
    limiter: Limiter = field(repr=False)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)  # per-process, never-changing values

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, readonly=readonly)

    def read(self) -> ReadConnection:
        """A read-only use case of one statement, without an ORM session (db/uow.py)."""
        return ReadConnection(self.engine)


def build_context(settings: Settings, clock: Clock | None = None, engine: Engine | None = None) -> Context:
    engine = engine or create_db_engine(settings.database_url)
    clock = clock or SystemClock()
    ctx: Context  # the mailer reads the key through it, once it exists
    ctx = Context(
        settings, engine, clock, mailer_for(settings, engine, clock, lambda: _outbox_key(ctx)), Limiter(settings)
    )
    return ctx


def _outbox_key(ctx: Context) -> bytes:
    """Queued messages are sealed with the code key, which is kept outside the database."""
    from tenantry.server.services.integration import server_secrets  # it needs this module

    return server_secrets.code_key(ctx)
