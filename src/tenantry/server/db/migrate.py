"""Bring the schema to the newest revision, safely when several processes start at once.

The upgrade runs in one transaction that first takes a lock (a PostgreSQL advisory lock;
SQLite's write lock via BEGIN IMMEDIATE), so a second process waits and then finds the
schema already current.

A database already at the newest revision (every start but the first after an upgrade) is
recognised without Alembic: the revision in ``alembic_version`` against the heads read off the
version files' ``revision``/``down_revision`` lines. Loading Alembic and every migration script
took a tenth of ``tenantry serve``'s start-up (issue 17).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from tenantry.server.db import config_stamp, search_index
from tenantry.server.db.engine import SQLITE_BEGIN_OPTION, is_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATION_LOCK_KEY = 7_246_515_301  # arbitrary, fixed: "the Tenantry schema"
_VERSIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+)$", re.MULTILINE)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "tenantry.server.db:migrations")
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and _at_head(engine):
        return
    from alembic import command

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
                config_stamp.ensure(connection)


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


@cache
def head_revisions() -> frozenset[str] | None:
    """The newest revisions (Alembic's heads), from the version files' text; None when a file
    does not say plainly (then Alembic decides)."""
    revisions: set[str] = set()
    replaced: set[str] = set()
    for script in _VERSIONS.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        found: dict[str, str] = {match[1]: match[2] for match in _REVISION_LINE.finditer(text)}
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        replaced.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - replaced) or None


def _at_head(engine: Engine) -> bool:
    """Whether the schema is current, on SQLite its search index whole, and the configuration
    stamp's triggers in place: nothing to do.
    Read without the migration lock; anything else takes the locked path."""
    heads = head_revisions()
    if heads is None:
        return False
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        current = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
        return current == heads and search_index.is_whole(connection) and config_stamp.is_whole(connection)
