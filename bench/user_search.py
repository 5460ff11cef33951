"""Substring search of users at scale: the dashboard's Users search ("acme" finds
@acmerobotics.com) at 100,000 users, with the trigram index (pg_trgm on PostgreSQL, FTS5
trigram on SQLite) and, for comparison, without it (the same query scanning).

Seeds the database at TENANTRY_DATABASE_URL (a scratch database: emptied first) with bulk
inserts (1% of users at @acmerobotics.com, names from a small pool), then times the service
call behind /admin/users?q=… and the whole page, N times each, and prints p50/p99.

    TENANTRY_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench python bench/user_search.py [USERS] \\
        [--no-analyze] [--no-scan] [--no-seed]

A total above the exact-count threshold is printed as ``~N`` (the planner's estimate).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db import search_index
from tenantry.server.db.migrate import upgrade
from tenantry.server.db.models import User
from tenantry.server.domain.ids import new_id
from tenantry.server.domain.pagination import PageRequest
from tenantry.server.services.identity import admins, users
from tenantry.server.settings import Settings

USERS = next((int(arg) for arg in sys.argv[1:] if arg.isdigit()), 100_000)
ANALYZED = "--no-analyze" not in sys.argv  # --no-analyze: as before migration 0024 (no expression statistics)
SCAN = "--no-scan" not in sys.argv  # --no-scan: only the indexed runs (skip dropping the index)
SEED = "--no-seed" not in sys.argv  # --no-seed: time the users an earlier run seeded (an A/B on the same rows)
REPEAT = 20
HAYSTACK = (  # migration 0009's index expression
    "lower(email_key || ' ' || coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' || "
    "coalesce(family_name, ''))"
)
SCAN_REPEAT = 5  # scans are slow: fewer samples
GIVEN = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances", "Ken", "Radia"]
FAMILY = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen", "Thompson", "Perlman"]
QUERIES = {
    "acme (1% of users, middle of a domain)": "acme",
    "lovelace (10%, family name)": "lovelace",
    "user4242 (1 user + prefix matches)": "user4242",
    "ada robot (two words)": "ada robot",
    "zz (shorter than a trigram)": "zz",
    "nobody-here (no match)": "nobody-here",
}


def seed(ctx) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with ctx.engine.begin() as conn:
        for table in ("admin_sessions", "admins", "memberships", "browser_sessions", "users"):
            conn.execute(text(f"DELETE FROM {table}"))
        batch = []
        for i in range(USERS):
            domain = "acmerobotics.com" if i % 100 == 0 else f"company{i % 997}.example"
            batch.append(
                {
                    "id": new_id("usr"),
                    "email": f"user{i}@{domain}",
                    "email_key": f"user{i}@{domain}",
                    "email_verified": True,
                    "given_name": GIVEN[i % 10],
                    "family_name": FAMILY[(i // 10) % 10],
                    "custom_attributes": {},
                    "metadata": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(batch) == 10_000:
                conn.execute(insert(User), batch)
                batch = []
        if batch:
            conn.execute(insert(User), batch)
    if ctx.engine.dialect.name == "postgresql":
        with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM users"))
        if ANALYZED:
            analyze(ctx)


def analyze(ctx) -> None:  # type: ignore[no-untyped-def]
    """Statistics for the table and the index's expression (migration 0024 takes them; a
    new index has none until then, and the planner guesses 10 rows for any search)."""
    with ctx.engine.begin() as conn:
        conn.execute(text("ANALYZE users"))


def timed(action: Callable[[], object], repeat: int = REPEAT) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.99) - 1)]


def drop_index(ctx) -> None:  # type: ignore[no-untyped-def]
    """Take the index away (the "without" rows); upgrade() puts it back."""
    with ctx.engine.begin() as conn:
        if ctx.engine.dialect.name == "postgresql":
            conn.execute(text("DROP INDEX IF EXISTS ix_users_search_trgm"))
        else:
            for trigger in ("users_search_ai", "users_search_au", "users_search_ad"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
            conn.execute(text(f"DROP TABLE IF EXISTS {search_index.TABLE}"))


def restore_index(ctx) -> None:  # type: ignore[no-untyped-def]
    """Put the index back as migration 0009 / db.search_index make it."""
    if ctx.engine.dialect.name == "postgresql":
        with ctx.engine.begin() as conn:
            conn.execute(text(f"CREATE INDEX ix_users_search_trgm ON users USING gin (({HAYSTACK}) gin_trgm_ops)"))
        analyze(ctx)
    else:
        upgrade(ctx.engine)


def run(ctx, client: TestClient, label: str, repeat: int = REPEAT) -> None:  # type: ignore[no-untyped-def]
    print(f"\n{label}")
    print(f"{'query':42} {'found':>7} {'service p50':>12} {'p99':>7} {'page p50':>9} {'p99':>7}")
    for name, query in QUERIES.items():
        page = users.list_page(ctx, PageRequest(25), search=query)
        found = f"~{page.total_size}" if getattr(page, "total_estimated", False) else str(page.total_size)
        s50, s99 = timed(lambda q=query: users.list_page(ctx, PageRequest(25), search=q), repeat)
        p50, p99 = timed(lambda q=query: client.get("/admin/users", params={"q": q}), repeat)
        print(f"{name:42} {found:>7} {s50:10.1f}ms {s99:6.1f} {p50:8.1f}ms {p99:6.1f}")


def main() -> None:
    ctx = build_context(Settings(rate_limits_enabled=False))
    upgrade(ctx.engine)
    started = time.perf_counter()
    if SEED:
        seed(ctx)
        print(f"seeded {USERS:,} users in {time.perf_counter() - started:.1f} s on {ctx.engine.dialect.name}")
        admins.create(ctx, "bench@example.com", "a long bench passphrase")
    with TestClient(create_app(context=ctx), base_url="http://127.0.0.1") as client:
        page = client.get("/admin/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        client.post(
            "/admin/login",
            data={"csrf_token": csrf, "email": "bench@example.com", "password": "a long bench passphrase"},
        )
        run(ctx, client, "with the trigram index")
        if SCAN:
            drop_index(ctx)
            run(ctx, client, "without it (scan)", SCAN_REPEAT)
    if SCAN:
        restore_index(ctx)


if __name__ == "__main__":
    main()
