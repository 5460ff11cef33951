"""Time GET /api/v1/users?custom_attributes.<key>=<value> at scale.

Seeds N users (bulk insert, default 100,000) with a `department` enum attribute (10
values, so each matches ~10%) and a `badge` string attribute unique per user, into the
database at TENANTRY_DATABASE_URL (a scratch PostgreSQL database: it is emptied first), then
times filtered listings through the in-process app and prints the query plans.

    TENANTRY_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench python bench/attribute_filter.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.migrate import upgrade
from tenantry.server.db.models import User, UserAttribute
from tenantry.server.domain.ids import new_id
from tenantry.server.settings import Settings

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
DEPARTMENTS = [f"dept{i}" for i in range(10)]


def seed(ctx) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with ctx.engine.begin() as conn:
        for table in ("memberships", "organizations", "users", "user_attributes"):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(
            insert(UserAttribute),
            [
                {
                    "key": "department",
                    "display_name": "Department",
                    "description": "",
                    "type": "enum",
                    "required": False,
                    "collect_on_signup": False,
                    "user_editable": True,
                    "options": DEPARTMENTS,
                    "position": 0,
                    "created_at": now,
                    "updated_at": now,
                },
                {
                    "key": "badge",
                    "display_name": "Badge",
                    "description": "",
                    "type": "string",
                    "required": False,
                    "collect_on_signup": False,
                    "user_editable": True,
                    "options": None,
                    "position": 1,
                    "created_at": now,
                    "updated_at": now,
                },
            ],
        )
        batch = []
        for i in range(N):
            batch.append(
                {
                    "id": new_id("usr"),
                    "email": f"user{i}@example.com",
                    "email_key": f"user{i}@example.com",
                    "email_verified": True,
                    "custom_attributes": {"department": DEPARTMENTS[i % 10], "badge": f"B{i:07d}"},
                    "metadata": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(batch) == 5000:
                conn.execute(insert(User), batch)
                batch = []
        if batch:
            conn.execute(insert(User), batch)
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE users"))


def timed(
    client: TestClient, headers: dict[str, str], params: dict[str, str], runs: int = 30
) -> tuple[float, float, int]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get("/api/v1/users", params=params, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], response.json()["total_size"]


def main() -> None:
    settings = Settings(bootstrap_client_id="bench-client", bootstrap_client_secret="bench-secret-0123456789")
    ctx = build_context(settings)
    upgrade(ctx.engine)
    started = time.perf_counter()
    seed(ctx)
    print(f"seeded {N} users in {time.perf_counter() - started:.1f} s on {ctx.engine.dialect.name}")
    with TestClient(create_app(context=ctx)) as client:
        token = client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "bench-client",
                "client_secret": "bench-secret-0123456789",
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        cases = {
            "unique value (1 match)": {"custom_attributes.badge": f"B{N // 2:07d}"},
            "10% of users": {"custom_attributes.department": "dept3"},
            "two filters (1 match)": {"custom_attributes.department": "dept3", "custom_attributes.badge": "B0000003"},
            "no filter": {},
        }
        for name, params in cases.items():
            p50, p95, total = timed(client, headers, {**params, "page_size": "50"})
            print(f"{name:28s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  total_size {total}")
    if ctx.engine.dialect.name == "postgresql":
        with ctx.engine.connect() as conn:
            plan = conn.execute(
                text(
                    'EXPLAIN ANALYZE SELECT id FROM users WHERE custom_attributes @> \'{"badge": "B0000007"}\' '
                    "ORDER BY id LIMIT 51"
                )
            ).all()
            print("\n".join(row[0] for row in plan))


if __name__ == "__main__":
    os.environ.setdefault("TENANTRY_DATABASE_URL", "sqlite:///./bench.db")
    main()
