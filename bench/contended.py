"""Contended seat limit (issue 8, figure 6): 200 invitations sent at once into one
organization with K free seats must give exactly K successes.

For each database, start ``tenantry serve`` (``--workers 2`` on PostgreSQL as well: two
processes sharing the database), and per round: create an organization with
``max_allowed_users = K``, open 200 connections, send the 200 invitations together
(asyncio + httpx), and check that exactly K answered 201, every other one 409
``organization_user_limit_reached``, ``seats_used`` is K and the organization lists K
members. Prints throughput (invitations answered per second) and the check.

    .venv/bin/python -m bench.contended [sqlite] [postgresql] [--seats 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

import httpx

from bench.common import Server, Spread, header, load_average, running_server, scratch_database

INVITATIONS = 200


async def burst(server: Server, token: str, organization_id: str) -> tuple[Counter[str], float]:
    limits = httpx.Limits(max_connections=INVITATIONS, max_keepalive_connections=INVITATIONS)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=120) as client:
        # Open every connection first, so the burst measures the server, not TCP set-up.
        await asyncio.gather(*(client.get("/healthz") for _ in range(INVITATIONS)))
        started = time.perf_counter()
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/organizations/{organization_id}/users", json={"email": f"c{i}-{started}@example.com"}
                )
                for i in range(INVITATIONS)
            )
        )
        elapsed = time.perf_counter() - started
    outcomes: Counter[str] = Counter()
    for response in responses:
        outcomes[
            str(response.status_code)
            if response.status_code == 201
            else f"{response.status_code} {response.json().get('code')}"
        ] += 1
    return outcomes, elapsed


def round_(server: Server, seats: int) -> tuple[bool, float, str]:
    with server.api() as api:
        org = api.post("/api/v1/organizations", json={"display_name": "Contended"}).json()["organization"]["id"]
        api.patch(
            f"/api/v1/organizations/{org}/settings/usermanagement", json={"settings": {"max_allowed_users": seats}}
        ).raise_for_status()
        token = api.headers["Authorization"].removeprefix("Bearer ")
        outcomes, elapsed = asyncio.run(burst(server, token, org))
        seats_used = api.get(f"/api/v1/organizations/{org}/settings/usermanagement").json()["seats_used"]
        members = api.get(f"/api/v1/organizations/{org}/users", params={"page_size": "1"}).json()["total_size"]
    exact = (
        outcomes["201"] == seats
        and outcomes["409 organization_user_limit_reached"] == INVITATIONS - seats
        and seats_used == seats
        and members == seats
    )
    detail = f"{dict(outcomes)}, seats_used {seats_used}, members {members}"
    return exact, INVITATIONS / elapsed, detail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kinds", nargs="*", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    header(f"{INVITATIONS} concurrent invitations into an organization with {args.seats} seats")
    setups = [(kind, 1) for kind in args.kinds] + [("postgresql", 2)] * ("postgresql" in args.kinds)
    for kind, workers in setups:
        rates = Spread()
        all_exact = True
        with (
            scratch_database(kind, f"tenantry_bench_contended_{kind}") as url,
            running_server(url, workers=workers) as server,
        ):
            for n in range(args.rounds):
                exact, rate, detail = round_(server, args.seats)
                rates.add(rate)
                all_exact &= exact
                print(
                    f"  {kind} ×{workers} round {n + 1}: {rate:.0f}/s, exact: {exact} ({detail}), load {load_average()}"
                )
        print(
            f"| {kind}, {workers} server process(es) | {rates} invitations/s | exactly {args.seats} of {INVITATIONS}: "
            f"{'yes, every round' if all_exact else 'NO'} |\n",
            flush=True,
        )


if __name__ == "__main__":
    main()
