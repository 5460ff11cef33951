"""Latency at scale (issue 8, figure 4): 1,000,000 users and 100,000 organizations.

Creates a scratch database, migrates it with ``tenantry migrate``, bulk-loads users,
organizations and memberships (COPY on PostgreSQL, executemany in one transaction on
SQLite), then starts ``tenantry serve`` and times, one request at a time over loopback,
SAMPLES requests of each kind (after a warm-up): get-user, list-org-members (first and 100th
page of a 100,000-member organization, and a 10-member one), filter-by-attribute (1 match
and 10% of users), the seat count of the big and of a small organization, and invitation
create into the big organization (seat check included). Prints p50/p99 and the query plans
that show the seat check does not scan memberships.

    .venv/bin/python -m bench.scale postgresql [--users 1000000] [--organizations 100000]
    .venv/bin/python -m bench.scale sqlite --users 1000000

The database is dropped afterwards (``--keep`` keeps it). To time two trees against the same
data, seed once into a named database and reuse it (``--reuse`` skips migrating and seeding and
reads the shape back from the database; ``PYTHONPATH=OTHER/src`` serves another checkout):

    .venv/bin/python -m bench.scale postgresql --database scale_a --keep
    PYTHONPATH=/tmp/before/src .venv/bin/python -m bench.scale postgresql --database scale_a --reuse --keep
"""

from __future__ import annotations

import argparse
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    header,
    load_average,
    memory_mib,
    percentile,
    pg_url,
    running_server,
    scratch_database,
    server_env,
)
from bench.seed import DEPARTMENTS, Seeded, seed, seeded_in

SAMPLES = 300
WARMUP = 20


def migrate(database_url: str) -> None:
    tenantry = Path(sys.executable).with_name("tenantry")
    subprocess.run([str(tenantry), "migrate"], env=server_env(database_url), check=True, capture_output=True)


def timed(name: str, call: Callable[[], httpx.Response], expect: int, samples: int = SAMPLES) -> dict[str, Any]:
    for _ in range(WARMUP):
        call()
    latencies = []
    for _ in range(samples):
        started = time.perf_counter()
        response = call()
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == expect, (name, response.status_code, response.text[:300])
    row = {"case": name, "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99), "n": samples}
    print(f"  {name:44s} p50 {row['p50']:7.1f} ms  p99 {row['p99']:7.1f} ms  (load {load_average()})", flush=True)
    return row


def page_token(api: httpx.Client, organization_id: str, page: int) -> str:
    """The token of page ``page`` (1-based) of the organization's members, 50 a page."""
    token = ""
    for _ in range(page - 1):
        params = {"page_size": "50", **({"page_token": token} if token else {})}
        token = api.get(f"/api/v1/organizations/{organization_id}/users", params=params).json()["next_page_token"]
    return token


def cases(api: httpx.Client, seeded: Seeded) -> Iterator[tuple[str, Callable[[], httpx.Response], int]]:
    rng = random.Random(7)
    big, small = seeded.big_organization, seeded.small_organization
    hundredth = page_token(api, big, 100)
    counter = iter(range(10**9))
    run = secrets.token_hex(3)  # a database reused by another run already has new0@…
    yield (
        f"get-user (random of {seeded.users:,})",
        lambda: api.get(f"/api/v1/users/{rng.choice(seeded.sample_users)}"),
        200,
    )
    yield (
        f"list-org-members, page 1 ({seeded.big_members:,} members)",
        lambda: api.get(f"/api/v1/organizations/{big}/users", params={"page_size": "50"}),
        200,
    )
    yield (
        f"list-org-members, page 100 ({seeded.big_members:,} members)",
        lambda: api.get(f"/api/v1/organizations/{big}/users", params={"page_size": "50", "page_token": hundredth}),
        200,
    )
    yield (
        "list-org-members, page 1 (small organization)",
        lambda: api.get(f"/api/v1/organizations/{small}/users", params={"page_size": "50"}),
        200,
    )
    yield (
        "filter-by-attribute (1 match)",
        lambda: api.get(
            "/api/v1/users",
            params={"custom_attributes.badge": f"B{rng.randrange(seeded.users):07d}", "page_size": "50"},
        ),
        200,
    )
    yield (
        "filter-by-attribute (10% of users match)",
        lambda: api.get(
            "/api/v1/users", params={"custom_attributes.department": rng.choice(DEPARTMENTS), "page_size": "50"}
        ),
        200,
    )
    yield (
        f"seat count ({seeded.big_members:,} members)",
        lambda: api.get(f"/api/v1/organizations/{big}/settings/usermanagement"),
        200,
    )
    yield (
        "seat count (small organization)",
        lambda: api.get(f"/api/v1/organizations/{small}/settings/usermanagement"),
        200,
    )
    yield (
        f"invitation create ({seeded.big_members:,}-member organization, seat check)",
        lambda: api.post(
            f"/api/v1/organizations/{big}/users", json={"email": f"new-{run}-{next(counter)}@example.com"}
        ),
        201,
    )


def explain(database_url: str, seeded: Seeded) -> None:
    """The plans of the seat check: one row by primary key, and the index probe for expired
    invitations that still hold a seat (done only when the organization looks full)."""
    from sqlalchemy import create_engine, text

    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    prefix = "EXPLAIN ANALYZE" if url.startswith("postgresql") else "EXPLAIN QUERY PLAN"
    now = datetime.now(UTC).isoformat(sep=" ") if url.startswith("sqlite") else datetime.now(UTC)
    engine = create_engine(url)
    statements = [
        (
            "take a seat",
            "UPDATE organizations SET seats_held = seats_held + 1 WHERE id = :org "
            "AND (max_allowed_users IS NULL OR seats_held < max_allowed_users)",
        ),
        (
            "expired invitations still holding a seat",
            "SELECT count(*) FROM memberships WHERE organization_id = :org AND holds_seat = true "
            "AND accepted_at IS NULL AND expires_at <= :now",
        ),
    ]
    with engine.connect() as conn:
        for title, sql in statements:
            trans = conn.begin()
            plan = conn.execute(text(f"{prefix} {sql}"), {"org": seeded.big_organization, "now": now}).all()
            trans.rollback()
            print(f"\n{title} ({seeded.big_members:,}-member organization):")
            print("\n".join("    " + " ".join(str(col) for col in row) for row in plan))
    engine.dispose()


@contextmanager
def _reused(name: str) -> Iterator[str]:
    yield pg_url(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["sqlite", "postgresql"])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--organizations", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--only", nargs="*", default=[], help="cases whose name contains one of these")
    parser.add_argument("--samples", type=int, default=SAMPLES, help="timed requests per case")
    parser.add_argument("--database", default="", help="PostgreSQL database name (default tenantry_bench_scale_KIND)")
    parser.add_argument("--reuse", action="store_true", help="time an already seeded --database (PostgreSQL)")
    args = parser.parse_args()
    header(f"Tenantry at scale on {args.kind}: {args.users:,} users, {args.organizations:,} organizations")
    name = args.database or f"tenantry_bench_scale_{args.kind}"
    if args.reuse and args.kind != "postgresql":
        parser.error("--reuse needs postgresql")
    with _reused(name) if args.reuse else scratch_database(args.kind, name, keep=args.keep) as url:
        started = time.perf_counter()
        if args.reuse:
            seeded = seeded_in(url)
            print(f"reused {name}: {seeded.summary} (load {load_average()})\n")
        else:
            migrate(url)
            seeded = seed(url, args.users, args.organizations)
            print(f"seeded {seeded.summary} in {time.perf_counter() - started:.0f} s (load {load_average()})\n")
        with running_server(url) as server, server.api() as api:
            for name, call, expect in cases(api, seeded):
                if not args.only or any(part in name for part in args.only):
                    timed(name, call, expect, args.samples)
            print()
            for key, value in (("badge", "B0000001"), ("department", DEPARTMENTS[0])):
                answer = api.get("/api/v1/users", params={f"custom_attributes.{key}": value, "page_size": "50"}).json()
                print(
                    f"filter custom_attributes.{key}={value}: total_size {answer.get('total_size')}, "
                    f"total_size_estimated {answer.get('total_size_estimated')}"
                )
            print(f"\nserver RSS after the run: {memory_mib(server.pid)['rss']:.0f} MiB")
        explain(url, seeded)


if __name__ == "__main__":
    main()
