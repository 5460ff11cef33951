"""Every statement list-org-members issues against a seeded bench.scale database, with its time
and EXPLAIN (ANALYZE, BUFFERS), and the request's time in process (TestClient; branch scale3).

    .venv/bin/python bench/results/2026-12-01/scale3-trace.py scale3_scale [page]   # page 1 or 100
    .venv/bin/python bench/results/2026-12-01/scale3-trace.py scale3_scale filter   # 10 % attribute filter
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from sqlalchemy import event, text

DB = sys.argv[1]
FILTER = len(sys.argv) > 2 and sys.argv[2] == "filter"
PAGE = int(sys.argv[2]) if len(sys.argv) > 2 and not FILTER else 1
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
os.environ["TENANTRY_DATABASE_URL"] = URL
os.environ["TENANTRY_API_INVITATIONS_PER_ORGANIZATION_PER_HOUR"] = "0"

from fastapi.testclient import TestClient  # noqa: E402

from tenantry.server.app import create_app  # noqa: E402
from tenantry.server.context import build_context  # noqa: E402
from tenantry.server.settings import Settings  # noqa: E402

settings = Settings(bootstrap_client_id="bench-client", bootstrap_client_secret="bench-secret-0123456789abcdef")
ctx = build_context(settings)
captured: list[tuple[str, Any, float]] = []
recording = False


@event.listens_for(ctx.engine, "before_cursor_execute")
def _before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
    conn.info["t0"] = time.perf_counter()


@event.listens_for(ctx.engine, "after_cursor_execute")
def _after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
    if recording:
        captured.append((statement, parameters, (time.perf_counter() - conn.info["t0"]) * 1000))


with ctx.engine.connect() as conn:
    big = conn.execute(text("SELECT id FROM organizations WHERE max_allowed_users = 10000000")).scalar_one()

with TestClient(create_app(context=ctx)) as client:
    token = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": settings.bootstrap_client_id,
            "client_secret": "bench-secret-0123456789abcdef",
        },
    ).json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    path = "/api/v1/users" if FILTER else f"/api/v1/organizations/{big}/users"
    params = {"page_size": "50", **({"custom_attributes.department": "dept3"} if FILTER else {})}
    for _ in range(PAGE - 1):
        params["page_token"] = client.get(path, params=params).json()["next_page_token"]
    for _ in range(30):
        client.get(path, params=params)
    times = []
    for _ in range(100):
        t = time.perf_counter()
        answer = client.get(path, params=params)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    body = answer.json()
    print(
        f"{path} page {PAGE}{' filtered' if FILTER else ''}: in process p50 {times[50]:.1f} ms, min {times[0]:.1f} ms; "
        f"{len(body['users'])} users, total_size {body['total_size']}, estimated {body.get('total_size_estimated')}"
    )
    recording = True
    client.get(path, params=params)
    recording = False
    print(f"\n{len(captured)} statements, {sum(c[2] for c in captured):.1f} ms in the driver:")
    for statement, parameters, ms in captured:
        print(f"\n-- {ms:.2f} ms\n{statement}\n   params {parameters!r:.300}")

print("\nEXPLAIN (ANALYZE, BUFFERS) of each statement:")
raw = ctx.engine.raw_connection()
try:
    cur = raw.cursor()
    for statement, parameters, _ in captured:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        for _ in range(3):
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = cur.fetchall()
        print("\n" + statement.split("\n")[0][:160] + " ...")
        print("\n".join("    " + row[0] for row in plan))
    raw.rollback()
finally:
    raw.close()
