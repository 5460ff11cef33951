"""Export and import of a whole environment, database to database (SQLite ↔ PostgreSQL).

What moves is listed once, in ``EXPORTED_TABLES`` (parents before children): settings,
attribute definitions, roles and permissions (with organization roles and inheritance),
users with their password hashes, organizations, memberships (with the roles they hold) and
invitations, applications, API clients and signing keys, dashboard administrators,
webhook endpoints, the audit log, and the admin portal links handed to customers' IT
administrators (each with its revocation, expiry and, for an embedded link, whether it was
opened: a link revoked or used before the export stays so) — everything a user, an
application, an API client or an administrator needs to carry on after the move. Secrets move as the
digests that are stored, never in clear. Transient rows (sessions, codes, tokens, the
e-mail outbox, lock-outs, webhook deliveries in flight) stay behind: people sign in again, clients fetch new tokens.
A table another feature adds is exported by adding its name here.

Importing an *older* export brings back what it held: a portal link revoked after that
export works again until it expires (7 days by default), like an API client deleted since.
After restoring an old export, revoke the links handed out before it
(``tenantry portal-links revoke ORGANIZATION_ID`` revokes all of one organization's).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, Table, select, text
from sqlalchemy.exc import DataError, IntegrityError, StatementError

import tenantry
from tenantry.server.db.base import Base, UTCDateTime
from tenantry.server.db.engine import SQLITE_BEGIN_OPTION, is_sqlite
from tenantry.server.domain.errors import FailedPrecondition, InvalidArgument
from tenantry.server.services.membership import ledger

FORMAT = "tenantry-export"
VERSION = 1
EXPORTED_TABLES = (
    "environment_settings",
    "server_secrets",
    "signing_keys",
    "api_clients",
    "user_attributes",
    "permissions",
    "users",
    "organizations",
    "portal_links",
    "roles",
    "role_permissions",
    "memberships",
    "membership_roles",
    "applications",
    "admins",
    "webhook_endpoints",
    "events",
)
# An environment with rows here has content an import would overwrite: --replace only.
CONTENT_TABLES = ("users", "organizations", "memberships", "user_attributes", "applications")
_BATCH = 1000
# Columns pointing into their own table, set once every row of it is in (a role may extend
# one created after it).
_SELF_REFERENCES = {"roles": "extends_id"}


def _tables() -> list[Table]:
    return [Base.metadata.tables[name] for name in EXPORTED_TABLES]


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _dump_value(value: Any) -> Any:
    return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value


def _load_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        raise InvalidArgument(f"{table.name}: unknown columns {sorted(unknown)}")
    loaded = dict(row)
    for column in table.columns:
        if isinstance(column.type, UTCDateTime) and isinstance(loaded.get(column.name), str):
            loaded[column.name] = datetime.fromisoformat(loaded[column.name])
    return loaded


def export(engine: Engine, out: TextIO) -> dict[str, int]:
    """Write the environment as one JSON document (read in one transaction, so it is a
    consistent snapshot); returns the number of rows per table."""
    counts: dict[str, int] = {}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "tenantry": tenantry.__version__,
        "schema_revision": _revision(engine),
        "exported_at": datetime.now(UTC).isoformat(),
    }
    # One snapshot for every table: REPEATABLE READ on PostgreSQL; a read transaction in WAL on SQLite.
    isolation = {} if is_sqlite(engine) else {"isolation_level": "REPEATABLE READ"}
    with engine.connect().execution_options(**isolation) as connection, connection.begin():
        out.write(json.dumps(header)[:-1] + ', "tables": {')
        for index, table in enumerate(_tables()):
            out.write(("," if index else "") + f"\n{json.dumps(table.name)}: [")
            counts[table.name] = 0
            for row in connection.execute(select(table).order_by(*table.primary_key.columns)).mappings():
                out.write(("," if counts[table.name] else "") + "\n  ")
                out.write(json.dumps({key: _dump_value(value) for key, value in row.items()}))
                counts[table.name] += 1
            out.write("]")
        out.write("\n}}\n")
    return counts


def _read(source: TextIO) -> dict[str, list[dict[str, Any]]]:
    try:
        document = json.load(source)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"not a Tenantry export (JSON error: {exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != VERSION:
        raise InvalidArgument(f"not a Tenantry export of format version {VERSION}")
    tables = document.get("tables")
    if not isinstance(tables, dict) or not set(tables) <= set(EXPORTED_TABLES):
        raise InvalidArgument(f"the export names tables this version does not know: {sorted(set(tables or {}))}")
    document["tables"] = {name: rows for name, rows in tables.items() if isinstance(rows, list)}
    return document


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start : start + _BATCH]


def import_(engine: Engine, source: TextIO, *, replace: bool = False) -> dict[str, int]:
    """Load an export into ``engine``'s (migrated) database in one transaction: all of it or
    nothing. Raises InvalidArgument for a file that is not an export of this schema, and
    FailedPrecondition when the environment has content and ``replace`` is not set."""
    document: dict[str, Any] = _read(source)
    if document.get("schema_revision") != _revision(engine):
        raise InvalidArgument(
            f"the export is of schema revision {document.get('schema_revision')}, this database is at "
            f"{_revision(engine)}: import with the Tenantry version that exported it, then upgrade"
        )
    counts = {}
    with engine.connect().execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}) as connection, connection.begin():
        if not replace and any(_has_rows(connection, name) for name in CONTENT_TABLES):
            raise FailedPrecondition("the environment is not empty; use --replace to overwrite it")
        for table in reversed(Base.metadata.sorted_tables):  # children first; transient rows too
            connection.execute(table.delete())
        for table in _tables():
            rows = [_load_row(table, row) for row in document["tables"].get(table.name, [])]
            later = _SELF_REFERENCES.get(table.name)
            links = {row["id"]: row.pop(later, None) for row in rows} if later else {}
            try:
                for batch in _batches(rows):
                    connection.execute(table.insert(), batch)
                for row_id, target in links.items():
                    if target is not None:
                        connection.execute(table.update().where(table.c.id == row_id).values({later: target}))
            except (IntegrityError, DataError, StatementError) as exc:  # rolled back with everything else
                raise InvalidArgument(f"{table.name}: rows the database refuses ({type(exc.orig).__name__})") from exc
            counts[table.name] = len(rows)
        ledger.recount_all(connection)  # seat counters follow from the memberships, whatever the file said
        _continue_sequences(connection)
    return counts


def _has_rows(connection: Any, name: str) -> bool:
    return connection.execute(select(text("1")).select_from(Base.metadata.tables[name]).limit(1)).first() is not None


def _continue_sequences(connection: Any) -> None:
    """New events number on from the imported ones (PostgreSQL keeps a sequence apart)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('events', 'seq'), COALESCE(MAX(seq), 1), MAX(seq) IS NOT NULL) "
                "FROM events"
            )
        )


def summary(counts: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts)
