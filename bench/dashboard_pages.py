"""Time the dashboard's pages at scale: 100,000 users, 10,000 organizations, 100,000
memberships (10% pending invitations, 5% expired), through the in-process app.

Seeds the database at TENANTRY_DATABASE_URL (a scratch database: it is emptied first) with
bulk inserts, signs an administrator in, then requests each page N times and prints p50/p99.

    TENANTRY_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench python bench/dashboard_pages.py
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.migrate import upgrade
from tenantry.server.db.models import Membership, MembershipRole, Organization, User
from tenantry.server.domain.ids import new_id
from tenantry.server.services.identity import admins
from tenantry.server.settings import Settings

USERS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
ORGS = USERS // 10
REPEAT = 30
TABLES = ("admin_sessions", "admins", "membership_roles", "memberships", "browser_sessions", "organizations", "users")


def seed(ctx) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    org_ids = [new_id("org") for _ in range(ORGS)]
    with ctx.engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(
            insert(Organization),
            [
                {
                    "id": oid,
                    "display_name": f"Company {i:05d}",
                    "external_id": f"ext-{i}",
                    "metadata": {},
                    "max_allowed_users": 50,
                    "seats_held": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, oid in enumerate(org_ids)
            ],
        )
        member_role = conn.execute(
            text("SELECT id FROM roles WHERE name = 'member' AND organization_id IS NULL")
        ).scalar()
        users, memberships, held = [], [], []
        for i in range(USERS):
            uid = new_id("usr")
            users.append(
                {
                    "id": uid,
                    "email": f"user{i}@example.com",
                    "email_key": f"user{i}@example.com",
                    "email_verified": True,
                    "name": f"User Number {i}",
                    "custom_attributes": {},
                    "metadata": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
            kind = i % 20
            accepted = None if kind < 3 else now
            expires = None if accepted else (now - timedelta(days=1) if kind == 0 else now + timedelta(days=10))
            memberships.append(
                {
                    "id": new_id("mem"),
                    "organization_id": org_ids[i % ORGS],
                    "user_id": uid,
                    "metadata": {},
                    "holds_seat": kind != 0,
                    "accepted_at": accepted,
                    "invited_at": now,
                    "expires_at": expires,
                    "resent_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            held.append({"membership_id": memberships[-1]["id"], "role_id": member_role, "position": 0})
            if len(users) == 10_000:
                conn.execute(insert(User), users)
                conn.execute(insert(Membership), memberships)
                conn.execute(insert(MembershipRole), held)
                users, memberships, held = [], [], []
        if users:
            conn.execute(insert(User), users)
            conn.execute(insert(Membership), memberships)
            conn.execute(insert(MembershipRole), held)
        conn.execute(text("UPDATE organizations SET seats_held = 10"))
    if ctx.engine.dialect.name == "postgresql":  # what autovacuum does in steady state
        with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return org_ids[ORGS // 2], "user50000@example.com"


def timed(client: TestClient, path: str) -> tuple[float, float]:
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    settings = Settings(rate_limits_enabled=False)
    ctx = build_context(settings)
    upgrade(ctx.engine)
    started = time.perf_counter()
    org_id, _ = seed(ctx)
    print(
        f"seeded {USERS:,} users, {ORGS:,} organizations in {time.perf_counter() - started:.1f} s "
        f"on {ctx.engine.dialect.name}"
    )
    admins.create(ctx, "bench@example.com", "a long bench passphrase")
    with TestClient(create_app(context=ctx), base_url="http://127.0.0.1") as client:
        login = client.get("/admin/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        client.post(
            "/admin/login",
            data={"csrf_token": csrf, "email": "bench@example.com", "password": "a long bench passphrase"},
        )
        pages = {
            "organizations, first page": "/admin/organizations",
            "organizations, search by name": "/admin/organizations?q=company 0500",
            "organization detail (limits + members)": f"/admin/organizations/{org_id}",
            "invitations, all": "/admin/invitations",
            "invitations, expired": "/admin/invitations?status=expired",
            "invitations, by e-mail prefix": "/admin/invitations?email=user5000",
            "attributes": "/admin/attributes",
            "configuration": "/admin/configuration",
        }
        for extra in os.environ.get("BENCH_EXTRA_PAGES", "").split(","):
            if extra:
                pages[extra] = extra
        print(f"{'page':45} {'p50 ms':>8} {'p99 ms':>8}")
        for name, path in pages.items():
            p50, p99 = timed(client, path)
            print(f"{name:45} {p50:8.1f} {p99:8.1f}")


if __name__ == "__main__":
    main()
