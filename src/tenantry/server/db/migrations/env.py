"""Alembic environment. Runs inside the connection and transaction that ``db/migrate.py``
opened (which holds the migration lock), or on its own from the ``alembic`` CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import tenantry.server.db.models  # noqa: F401  (registers the tables)
from tenantry.server.db.base import Base
from tenantry.server.db.engine import create_db_engine

config = context.config
connection = config.attributes.get("connection")


def _run(conn: Connection) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///./tenantry.db")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
