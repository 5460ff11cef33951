"""Bulk-load users, organizations and memberships into a migrated, empty Tenantry database.

PostgreSQL: COPY (psycopg 3), one table after the other, then ANALYZE. SQLite: executemany
in one transaction. Rows are what the service would have written: normalised e-mail keys,
JSON documents, UTC timestamps, active memberships that hold a seat, and organizations
whose ``seats_held`` equals their member count.

Shape: one big organization with BIG_MEMBERS members and a seat limit of 10,000,000;
every other user is in one of the other organizations (about 9 each). Two custom
attributes: ``department`` (enum of 10 values, so each matches 10% of users) and ``badge``
(unique per user).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

BIG_MEMBERS = 100_000
DEPARTMENTS = [f"dept{i}" for i in range(10)]
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

USER_COLUMNS = (
    "id",
    "email",
    "email_key",
    "email_verified",
    "custom_attributes",
    "metadata",
    "created_at",
    "updated_at",
)
ORG_COLUMNS = ("id", "display_name", "metadata", "max_allowed_users", "seats_held", "created_at", "updated_at")
MEMBER_COLUMNS = (
    "id", "organization_id", "user_id", "metadata", "holds_seat", "accepted_at", "resent_count",
    "created_at", "updated_at",
)  # fmt: skip
MEMBER_ROLE_COLUMNS = ("membership_id", "role_id", "position")
ATTRIBUTE_COLUMNS = (
    "key", "display_name", "description", "type", "required", "collect_on_signup", "user_editable", "options",
    "position", "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class Seeded:
    users: int
    organizations: int
    memberships: int
    big_organization: str
    big_members: int
    small_organization: str
    sample_users: list[str]

    @property
    def summary(self) -> str:
        return f"{self.users:,} users, {self.organizations:,} organizations, {self.memberships:,} memberships"


def ids(prefix: str, count: int) -> list[str]:
    """Time-ordered ids of the server's shape (prefix + 26 Crockford base32 characters)."""
    base = (time.time_ns() // 1_000_000) << 80
    salt = int.from_bytes(os.urandom(4), "big") << 32
    out = []
    for i in range(count):
        value = base | salt | i
        chars = []
        for _ in range(26):
            value, digit = divmod(value, 32)
            chars.append(_ALPHABET[digit])
        out.append(f"{prefix}_{''.join(reversed(chars))}")
    return out


def big_members(users: int) -> int:
    return min(BIG_MEMBERS, users // 10)


def organization_of(user_index: int, users: int, organizations: int) -> int:
    big = big_members(users)
    if user_index < big:
        return 0
    return 1 + (user_index - big) % (organizations - 1)


def _users(user_ids: list[str], now: datetime) -> Iterator[tuple[object, ...]]:
    for i, user_id in enumerate(user_ids):
        email = f"user{i}@example.com"
        attributes = json.dumps({"department": DEPARTMENTS[i % 10], "badge": f"B{i:07d}"})
        yield (user_id, email, email, True, attributes, "{}", now, now)


def _organizations(org_ids: list[str], users: int, now: datetime) -> Iterator[tuple[object, ...]]:
    sizes = [0] * len(org_ids)
    for i in range(users):
        sizes[organization_of(i, users, len(org_ids))] += 1
    for j, org_id in enumerate(org_ids):
        yield (org_id, f"Organization {j}", "{}", 10_000_000 if j == 0 else None, sizes[j], now, now)


def _memberships(
    member_ids: list[str], user_ids: list[str], org_ids: list[str], now: datetime
) -> Iterator[tuple[object, ...]]:
    for i, user_id in enumerate(user_ids):
        org_id = org_ids[organization_of(i, len(user_ids), len(org_ids))]
        yield (member_ids[i], org_id, user_id, "{}", True, now, 0, now, now)


def _member_roles(member_ids: list[str], role_id: str) -> Iterator[tuple[object, ...]]:
    for member_id in member_ids:
        yield (member_id, role_id, 0)


def _member_role_id(database_url: str) -> str:
    """The built-in ``member`` role the migrations seeded (every seeded membership holds it)."""
    query = "SELECT id FROM roles WHERE name = 'member' AND organization_id IS NULL"
    if database_url.startswith("sqlite"):
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        try:
            return str(conn.execute(query).fetchone()[0])
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as pg:
        row = pg.execute(query).fetchone()
        assert row is not None
        return str(row[0])


def _attributes(now: datetime) -> list[tuple[object, ...]]:
    return [
        ("department", "Department", "", "enum", False, False, True, json.dumps(DEPARTMENTS), 0, now, now),
        ("badge", "Badge", "", "string", False, False, True, None, 1, now, now),
    ]


def seed(database_url: str, users: int, organizations: int) -> Seeded:
    now = datetime.now(UTC)
    started = time.perf_counter()
    user_ids, org_ids, member_ids = ids("usr", users), ids("org", organizations), ids("mem", users)
    print(f"  ids generated in {time.perf_counter() - started:.0f} s", flush=True)
    tables = [
        ("user_attributes", ATTRIBUTE_COLUMNS, iter(_attributes(now))),
        ("users", USER_COLUMNS, _users(user_ids, now)),
        ("organizations", ORG_COLUMNS, _organizations(org_ids, users, now)),
        ("memberships", MEMBER_COLUMNS, _memberships(member_ids, user_ids, org_ids, now)),
        ("membership_roles", MEMBER_ROLE_COLUMNS, _member_roles(member_ids, _member_role_id(database_url))),
    ]
    if database_url.startswith("sqlite"):
        _load_sqlite(database_url, tables)
    else:
        _load_postgresql(database_url, tables)
    small = org_ids[1]
    return Seeded(
        users, organizations, users, org_ids[0], big_members(users), small, user_ids[:: max(1, users // 1000)]
    )


def seeded_in(database_url: str) -> Seeded:
    """The shape of a database ``seed`` filled earlier (PostgreSQL), read back from it: the big
    organization is the one with the seat limit of 10,000,000, the small one the first other."""
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as pg:

        def one(sql: str) -> Any:
            row = pg.execute(sql).fetchone()
            assert row is not None, sql
            return row[0]

        users = int(one("SELECT count(*) FROM users"))
        organizations = int(one("SELECT count(*) FROM organizations"))
        memberships = int(one("SELECT count(*) FROM memberships"))
        big = str(one("SELECT id FROM organizations WHERE max_allowed_users = 10000000 ORDER BY id LIMIT 1"))
        small = str(one("SELECT id FROM organizations WHERE display_name = 'Organization 1'"))
        user_ids = [str(r[0]) for r in pg.execute("SELECT id FROM users WHERE email LIKE 'user%' ORDER BY id")]
    return Seeded(
        users, organizations, memberships, big, big_members(len(user_ids)), small,
        user_ids[:: max(1, len(user_ids) // 1000)],
    )  # fmt: skip


def _load_postgresql(
    database_url: str, tables: list[tuple[str, tuple[str, ...], Iterator[tuple[object, ...]]]]
) -> None:
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        for table, columns, rows in tables:
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            print(f"  COPY {table}: {time.perf_counter() - started:.0f} s", flush=True)
        conn.autocommit = True
        started = time.perf_counter()
        for table, _, _ in tables:
            conn.execute(f"VACUUM ANALYZE {table}")
        print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.0f} s", flush=True)


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):  # SQLAlchemy's SQLite DATETIME text format, in UTC
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _load_sqlite(database_url: str, tables: list[tuple[str, tuple[str, ...], Iterator[tuple[object, ...]]]]) -> None:
    conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("BEGIN IMMEDIATE")
    for table, columns, rows in tables:
        started = time.perf_counter()
        placeholders = ", ".join("?" * len(columns))
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # our own table names
            (tuple(_sqlite_value(v) for v in row) for row in rows),
        )
        print(f"  INSERT {table}: {time.perf_counter() - started:.0f} s", flush=True)
    conn.execute("COMMIT")
    started = time.perf_counter()
    conn.execute("ANALYZE")
    print(f"  ANALYZE: {time.perf_counter() - started:.0f} s", flush=True)
    conn.close()
