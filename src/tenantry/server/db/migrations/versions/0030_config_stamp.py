"""The configuration stamp (issue 18): one row whose random value the database replaces
whenever webhook endpoints, environment settings or roles change, so server processes may
keep those in memory and read only the stamp each transaction (``db/config_stamp.py``).
The triggers are created by ``config_stamp.ensure``, which runs after every migration (an
SQLite batch migration that rebuilds one of those tables drops its triggers).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

from tenantry.server.db import config_stamp

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    config_stamp.create_table(op.get_bind())


def downgrade() -> None:
    connection = op.get_bind()
    for table in config_stamp.GUARDED:
        if connection.dialect.name == "sqlite":
            for suffix in ("i", "u", "d"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_stamp_{suffix}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_stamp_t ON {table}")
    if connection.dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS tenantry_bump_config_stamp()")
    op.drop_table(config_stamp.TABLE.name)
