"""Bring the schema to the newest revision, safely when several processes start at once.

The upgrade runs in one transaction that first takes a lock (a PostgreSQL advisory lock;
SQLite's write lock via BEGIN IMMEDIATE), so a second process waits and then finds the
schema already current.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from tenantry.server.db import search_index
from tenantry.server.db.engine import SQLITE_BEGIN_OPTION, is_sqlite

_MIGRATION_LOCK_KEY = 7_246_515_301  # arbitrary, fixed: "the Tenantry schema"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "tenantry.server.db:migrations")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.connect() as connection:
        connection = connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            if not is_sqlite(engine):
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if revision == "head":
                search_index.ensure(connection)


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
