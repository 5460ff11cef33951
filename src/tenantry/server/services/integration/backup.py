"""Export and import of a whole environment, database to database (SQLite ↔ PostgreSQL).

Every table of the models is in one of two lists, and ``unlisted`` checks that (``export``
refuses to run otherwise, and a test adds a table to prove it): ``EXPORTED_TABLES``, what
moves, or ``EPHEMERAL_TABLES``, what stays behind on purpose and why. A table another
feature adds is exported by adding its name to the first, or left behind by giving the reason
in the second.

What moves: settings and the server secrets, signing keys, API clients, attribute
definitions, roles and permissions (organization roles, inheritance, default roles), users
with their password hashes, second factors (TOTP authenticators, recovery codes, security
keys), passkeys and linked accounts (SSO and social identities), organizations (with their
session policy, MFA and domain rules and default member role), memberships (with their roles)
and invitations (and the links already spent), domains (verified ones stay verified), SSO
connections, social connections, SCIM directories (their token's keyed digest, group →
role and attribute mappings, directory users and groups with their members, the
provisioning log), applications, dashboard administrators (with their authenticator),
webhook endpoints with their deliveries and attempts (a delivery still pending is attempted
again after the restore, with the same ``webhook-id``: receivers that dedupe see it once), the
audit log, admin portal links (revoked, expired, used ones stay so) and the SAML assertion IDs
already accepted (so an assertion cannot be replayed into the restored environment while it
is still valid).

Secrets move as they are stored, never in clear: digests stay digests; sealed values
(``*_encrypted`` columns: TOTP secrets, OIDC client secrets, webhook signing secrets) stay
sealed. Two keys live outside the database and must be kept with the export (its
``keys_outside`` says which this one needs): the code key (``TENANTRY_CODE_KEY`` or the key
file, ``tenantry.key``), under which recovery codes are digested, and
``TENANTRY_WEBHOOK_ENCRYPTION_KEY`` when set, under which sealed values marked ``env:`` are.
Values sealed with the database's own key (``db:``) open wherever the export is imported,
since that key is one of the server secrets that move.

Format version 2 (this one): ``{"format": "tenantry-export", "version": 2, "tenantry",
"schema_revision", "exported_at", "tables": {name: [row, …]}, "keys_outside": [{"key",
"why"}]}``; a row is its columns by name, timestamps in ISO 8601 UTC, binary columns (the
public keys of passkeys and security keys) in base64. Version 1 (before domains,
connections, directories, second factors and webhook deliveries were exported) is still
read: what it lacks is empty after the import. Either must be of the database's schema
revision (import with the Tenantry version that exported it, then upgrade).

Importing an *older* export brings back what it held: a portal link revoked after that
export works again until it expires (7 days by default), like an API client deleted since, a
SCIM token rotated since, or a factor a user removed since. After restoring an old export,
revoke the links handed out before it (``tenantry portal-links revoke ORGANIZATION_ID``) and
rotate the directories' tokens if one leaked in between.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, LargeBinary, MetaData, RowMapping, Table, select, text
from sqlalchemy.exc import DataError, IntegrityError, StatementError

import tenantry
from tenantry.server.db.base import Base, UTCDateTime
from tenantry.server.db.engine import SQLITE_BEGIN_OPTION, is_sqlite
from tenantry.server.domain.errors import FailedPrecondition, InvalidArgument
from tenantry.server.services.membership import ledger

FORMAT = "tenantry-export"
VERSION = 2
READABLE_VERSIONS = (1, 2)
# What moves (written parents first, in the models' foreign-key order).
EXPORTED_TABLES = frozenset(
    {
        "environment_settings",
        "server_secrets",
        "signing_keys",
        "api_clients",
        "user_attributes",
        "permissions",
        "roles",
        "role_permissions",
        "users",
        "mfa_factors",
        "recovery_codes",
        "security_keys",
        "passkeys",
        "organizations",
        "organization_domains",
        "memberships",
        "membership_roles",
        "spent_invitation_links",
        "portal_links",
        "sso_connections",
        "user_identities",
        "saml_assertions_seen",
        "social_connections",
        "social_identities",
        "directories",
        "directory_users",
        "directory_groups",
        "directory_group_members",
        "directory_operations",
        "applications",
        "admins",
        "webhook_endpoints",
        "events",
        "webhook_deliveries",
        "webhook_attempts",
    }
)
# What stays behind on purpose, and why (README "Reliability" and docs/production.md §8 repeat it).
EPHEMERAL_TABLES: Mapping[str, str] = {
    "browser_sessions": "signed-in browsers: people sign in again",
    "admin_sessions": "signed-in dashboard browsers: administrators sign in again",
    "pending_sign_ins": "sign-ins between their first and second step (minutes)",
    "pending_sign_ups": "sign-ups with an already registered address waiting for the e-mailed code (a day)",
    "webauthn_challenges": "challenges of passkey and security-key ceremonies under way (minutes)",
    "sso_requests": "sign-ins waiting for an identity provider's answer (minutes)",
    "authorization_codes": "OAuth codes waiting to be exchanged (a minute)",
    "access_tokens": "management API tokens: API clients fetch new ones with the same credentials",
    "refresh_tokens": "applications' refresh tokens: their users sign in again",
    "email_codes": "e-mailed sign-in codes and links (minutes)",
    "admin_setup_tokens": "the first administrator's set-up link (`tenantry admin setup-link` makes another)",
    "login_lockouts": "failed-password counters (rate limiting)",
    "emails": "the e-mail outbox: its messages carry single-use links to codes that are not exported",
}
# An environment with rows here has content an import would overwrite: --replace only.
CONTENT_TABLES = (
    "users",
    "organizations",
    "memberships",
    "user_attributes",
    "applications",
    "social_connections",
    "webhook_endpoints",
)
_BATCH = 1000
# Columns pointing into their own table, set once every row of it is in (a role may extend
# one created after it).
_SELF_REFERENCES = {"roles": "extends_id"}
# Sealed with TENANTRY_WEBHOOK_ENCRYPTION_KEY (services/integration/webhook_secrets.py).
_SEALED_SUFFIX, _ENV_SEALED = "_encrypted", "env:"
KEYS_OUTSIDE = {
    "code_key": "recovery codes are digests under the code key: set the same TENANTRY_CODE_KEY, or give the "
    "restored server the same key file (tenantry.key; TENANTRY_CODE_KEY_FILE)",
    "webhook_encryption_key": "secrets sealed under TENANTRY_WEBHOOK_ENCRYPTION_KEY (env:): set the same key",
}


def unlisted(metadata: MetaData = Base.metadata) -> list[str]:
    """Tables of the models that are neither exported nor left behind on purpose, and names
    in the two lists that are no table (or in both): what a new feature has not decided."""
    tables, ephemeral = set(metadata.tables), set(EPHEMERAL_TABLES)
    undecided = tables - EXPORTED_TABLES - ephemeral
    return sorted(undecided | ((EXPORTED_TABLES | ephemeral) - tables) | (EXPORTED_TABLES & ephemeral))


def _tables() -> list[Table]:
    return [table for table in Base.metadata.sorted_tables if table.name in EXPORTED_TABLES]


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _dump_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _load_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        raise InvalidArgument(f"{table.name}: unknown columns {sorted(unknown)}")
    loaded = dict(row)
    for column in table.columns:
        value = loaded.get(column.name)
        if not isinstance(value, str):
            continue
        try:
            if isinstance(column.type, UTCDateTime):
                loaded[column.name] = datetime.fromisoformat(value)
            elif isinstance(column.type, LargeBinary):
                loaded[column.name] = base64.b64decode(value, validate=True)
        except ValueError as exc:
            raise InvalidArgument(f"{table.name}.{column.name}: {exc}") from exc
    return loaded


def _needs(table: Table, sealed: list[str], row: RowMapping) -> set[str]:
    """The keys kept outside the database that this row needs to be of use (``sealed``: the
    table's ``*_encrypted`` columns)."""
    needs = {"code_key"} if table.name == "recovery_codes" else set()
    if any(isinstance(row[name], str) and row[name].startswith(_ENV_SEALED) for name in sealed):
        needs.add("webhook_encryption_key")
    return needs


@dataclass(frozen=True)
class Exported:
    counts: dict[str, int]  # rows per table
    keys_outside: list[str]  # what must be kept with the export, and why


def export(engine: Engine, out: TextIO) -> Exported:
    """Write the environment as one JSON document (read in one transaction, so it is a
    consistent snapshot). Raises FailedPrecondition when a table of the models is in neither
    list (``unlisted``)."""
    undecided = unlisted()
    if undecided:
        raise FailedPrecondition(
            f"tables neither exported nor listed as ephemeral: {', '.join(undecided)} "
            "(EXPORTED_TABLES / EPHEMERAL_TABLES in services/integration/backup.py)"
        )
    counts: dict[str, int] = {}
    needs: set[str] = set()
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
            sealed = [column.name for column in table.columns if column.name.endswith(_SEALED_SUFFIX)]
            for row in connection.execute(select(table).order_by(*table.primary_key.columns)).mappings():
                out.write(("," if counts[table.name] else "") + "\n  ")
                out.write(json.dumps({key: _dump_value(value) for key, value in row.items()}))
                counts[table.name] += 1
                needs |= _needs(table, sealed, row)
            out.write("]")
        outside = [{"key": key, "why": KEYS_OUTSIDE[key]} for key in sorted(needs)]
        out.write(f'\n}}, "keys_outside": {json.dumps(outside)}}}\n')
    return Exported(counts, keys_outside({"keys_outside": outside}))


def keys_outside(document: Mapping[str, Any]) -> list[str]:
    """What an export says must come with it from outside the database (``why`` of each)."""
    entries = document.get("keys_outside")
    return [str(entry.get("why")) for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []


def read(source: TextIO) -> dict[str, Any]:
    """The export document, checked to be one of a version this code reads. Raises InvalidArgument."""
    try:
        document = json.load(source)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"not a Tenantry export (JSON error: {exc})") from exc
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or document.get("version") not in READABLE_VERSIONS
    ):
        versions = " or ".join(str(version) for version in READABLE_VERSIONS)
        raise InvalidArgument(f"not a Tenantry export of format version {versions}")
    tables = document.get("tables")
    if not isinstance(tables, dict) or not set(tables) <= EXPORTED_TABLES:
        raise InvalidArgument(f"the export names tables this version does not know: {sorted(set(tables or {}))}")
    document["tables"] = {name: rows for name, rows in tables.items() if isinstance(rows, list)}
    return document


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start : start + _BATCH]


def import_(engine: Engine, document: Mapping[str, Any], *, replace: bool = False) -> dict[str, int]:
    """Load an export (``read``) into ``engine``'s (migrated) database in one transaction: all
    of it or nothing; every table is emptied first, the ephemeral ones too. Raises
    InvalidArgument for an export of another schema or rows the database refuses, and
    FailedPrecondition when the environment has content and ``replace`` is not set."""
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
