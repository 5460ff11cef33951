"""Substring search of users (e-mail and names): a trigram index on PostgreSQL (pg_trgm),
an FTS5 trigram table on SQLite; both skipped where the database cannot have them (search
then still works, by scanning)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Must stay the expression tenantry.server.db.search.HAYSTACK_SQL renders (the index serves it).
HAYSTACK = (
    "lower(email_key || ' ' || coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' || "
    "coalesce(family_name, ''))"
)


def _postgresql_trigram_index() -> None:
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        log.warning(
            "pg_trgm is not available (CREATE EXTENSION refused): user search will scan instead of using an index"
        )
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS ix_users_search_trgm ON users USING gin (({HAYSTACK}) gin_trgm_ops)")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_organizations_name_trgm ON organizations "
        "USING gin ((lower(display_name)) gin_trgm_ops)"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_trigram_index()
    # SQLite: the FTS5 table and its triggers are kept by tenantry.server.db.search_index,
    # which every start-up checks (a table rebuilt by a later batch migration loses its triggers).


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_users_search_trgm")
        op.execute("DROP INDEX IF EXISTS ix_organizations_name_trgm")
    else:
        for trigger in ("users_search_ai", "users_search_au", "users_search_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS users_search")
