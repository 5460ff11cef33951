"""An identity provider's initial sync over SCIM (issue 21): N users and G groups pushed into
one organization's directory against ``tenantry serve``, as Okta and Entra ID push them.

For each database: a scratch database, one ``tenantry serve``, an organization with a seat
limit (so every create runs the seat check: the limit is N + 10), a directory and its
token. Then, from ``--concurrency`` client threads:

1. **groups**: ``POST /Groups`` of G empty groups; two of them are then mapped to roles;
2. **users**: ``POST /Users`` of N users (userName, name, work e-mail, externalId, the
   enterprise extension's department), each answered 201;
3. **members**: the groups' members added by ``PATCH /Groups/{id}`` in batches of 100
   (Entra ID's shape; Okta's is the same PATCH), recomputing mapped roles.
   Memberships are spread the way directories look: every user in exactly one of 20
   department groups, plus 0 to 4 of the other G - 20 groups (team, project, app-access),
   chosen with Zipf-like weights so a few groups are large and most are small.

Prints elapsed time, requests/s and server CPU-seconds per phase as each ends, whether the seat check
stays constant-time: the median and p95 time per create of the first 1,000 creates against
the last 1,000 (the organization then holds ~N members). Finally checks the result through
the API (N directory users, G groups, N seats used) and shows the load average. With
``--remap``, also times changing the group → role mapping once every user is in, three times:
the same roles reordered (every member re-checked, none changes), every department group mapped
to admin (nearly every member's roles change, one membership event each), and back. With
``--probe M``, also times single-member PATCHes (Okta's and Entra ID's remove shapes, an add)
of a group of M members, wall time and server CPU per PATCH.

    .venv/bin/python -m bench.scim_sync [sqlite] [postgresql] [--users 10000] [--groups 200] [--concurrency 4]
        [--remap] [--probe 3000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from bench.common import Server, cpu_seconds, header, load_average, percentile, running_server, scratch_database

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
DEPARTMENTS = 20
BATCH = 100  # members per PATCH
WINDOW = 1000  # creates compared at the start and at the end


@dataclass
class Phase:
    name: str
    requests: int
    seconds: float
    server_cpu: float
    load: str

    def line(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (
            f"{self.name:<8} {self.requests:>6} requests in {self.seconds:7.1f} s = {rate:6.1f} req/s; "
            f"server CPU {self.server_cpu:6.1f} s ({self.requests / max(self.server_cpu, 1e-9):5.1f} req per CPU-s); "
            f"load {self.load}"
        )


def user_body(i: int, department: int) -> dict[str, Any]:
    address = f"user{i:05d}@bench-scim.example"
    return {
        "schemas": [CORE_USER, ENTERPRISE],
        "userName": address,
        "externalId": f"00u{i:07d}",
        "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"},
        "displayName": f"Given{i} Family{i}",
        "emails": [{"value": address, "type": "work", "primary": True}],
        "active": True,
        ENTERPRISE: {"department": f"Department {department}", "employeeNumber": str(i)},
    }


def memberships(users: int, groups: int, seed: int) -> tuple[list[int], list[list[int]]]:
    """Each user's department (index into the first DEPARTMENTS groups) and each group's
    members (user indexes): every user in one department and 0 to 4 other groups, weighted
    1/rank so a few groups are big and most are small."""
    rng = random.Random(seed)
    departments = min(DEPARTMENTS, groups)
    members: list[list[int]] = [[] for _ in range(groups)]
    department_of = []
    others = list(range(departments, groups))
    weights = [1 / (rank + 1) for rank in range(len(others))]
    for user in range(users):
        department = rng.randrange(departments)
        department_of.append(department)
        members[department].append(user)
        if others:
            for group in set(rng.choices(others, weights, k=rng.randint(0, 4))):
                members[group].append(user)
    return department_of, members


class Pusher:
    """SCIM calls from ``concurrency`` threads, each with its own connection."""

    def __init__(self, server: Server, directory_id: str, token: str, concurrency: int) -> None:
        self.base = f"{server.url}/scim/v2/{directory_id}"
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
        self.concurrency = concurrency
        self.local = threading.local()

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.base, headers=self.headers, timeout=120)
        return self.local.client  # type: ignore[no-any-return]

    def run(self, calls: Iterable[Callable[[httpx.Client], httpx.Response]], expect: int) -> list[tuple[float, Any]]:
        """Each call's (seconds, answer JSON) in submission order; any other status stops
        the benchmark (a sync that fails measures nothing)."""

        def one(call: Callable[[httpx.Client], httpx.Response]) -> tuple[float, Any]:
            started = time.perf_counter()
            response = call(self.client())
            elapsed = time.perf_counter() - started
            if response.status_code != expect:
                raise SystemExit(f"expected {expect}, got {response.status_code}: {response.text[:300]}")
            return elapsed, response.json() if response.content else None

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(one, calls))


def timed(server: Server, name: str, action: Callable[[], Sequence[Any]]) -> tuple[Phase, Sequence[Any]]:
    load = load_average()
    cpu = cpu_seconds([server.pid])
    started = time.perf_counter()
    results = action()
    return Phase(name, len(results), time.perf_counter() - started, cpu_seconds([server.pid]) - cpu, load), results


def probe_patches(server: Server, pusher: Pusher, members: list[str], rounds: int = 20) -> None:
    """Time single-member PATCHes of a group of ``len(members)`` members, one at a time:
    Okta's remove (``members[value eq "…"]``), Entra ID's remove (``members`` with a value
    list) and an add, ``rounds`` of each, as wall time and server CPU per PATCH."""
    client = pusher.client()
    made = client.post("/Groups", json={"schemas": [CORE_GROUP], "displayName": "Probe"})
    made.raise_for_status()
    group = made.json()["id"]
    for start in range(0, len(members), BATCH):
        value = [{"value": member} for member in members[start : start + BATCH]]
        body = {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": value}]}
        client.patch(f"/Groups/{group}?excludedAttributes=members", json=body).raise_for_status()
    shapes: dict[str, Callable[[str], dict[str, Any]]] = {
        "remove, Okta's members[value eq]": lambda m: {"op": "remove", "path": f'members[value eq "{m}"]'},
        "add one member": lambda m: {"op": "add", "path": "members", "value": [{"value": m}]},
        "remove, Entra ID's value list": lambda m: {"op": "remove", "path": "members", "value": [{"value": m}]},
    }
    times: dict[str, list[float]] = {name: [] for name in shapes}
    cpu: dict[str, float] = dict.fromkeys(shapes, 0.0)
    for member in members[-rounds:]:
        for name, operation in shapes.items():
            before = cpu_seconds([server.pid])
            started = time.perf_counter()
            body = {"schemas": [PATCH_OP], "Operations": [operation(member)]}
            response = client.patch(f"/Groups/{group}?excludedAttributes=members", json=body)
            if response.status_code not in (200, 204):
                raise SystemExit(f"probe PATCH: {response.status_code} {response.text[:300]}")
            times[name].append(time.perf_counter() - started)
            cpu[name] += cpu_seconds([server.pid]) - before
        # the Entra remove took the member out again: put it back for the next round's shapes
        client.patch(
            f"/Groups/{group}?excludedAttributes=members",
            json={"schemas": [PATCH_OP], "Operations": [shapes["add one member"](member)]},
        ).raise_for_status()
    for name, seconds in times.items():
        print(
            f"PATCH of a {len(members)}-member group, {name}: median {statistics.median(seconds) * 1000:.1f} ms, "
            f"server CPU {cpu[name] / len(seconds) * 1000:.1f} ms per PATCH ({len(seconds)} PATCHes)",
            flush=True,
        )


def sync(kind: str, users: int, groups: int, concurrency: int, seed: int, remap_too: bool, probe: int = 0) -> None:
    print(f"## {kind}: {users} users, {groups} groups, {concurrency} concurrent requests", flush=True)
    name = f"tenantry_bench_scim_{os.getpid()}"  # runs on both databases may go side by side
    with scratch_database(kind, name) as url, running_server(url) as server, server.api() as api:
        org = api.post("/api/v1/organizations", json={"display_name": "Directory sync"}).json()["organization"]["id"]
        limited = api.patch(
            f"/api/v1/organizations/{org}/settings/usermanagement", json={"settings": {"max_allowed_users": users + 10}}
        )
        limited.raise_for_status()
        created = api.post(f"/api/v1/organizations/{org}/directories", json={"directory_provider": "OKTA"})
        directory_id = created.json()["directory"]["id"]
        token = api.post(f"/api/v1/organizations/{org}/directories/{directory_id}/secrets").json()["plain_secret"]
        pusher = Pusher(server, directory_id, token, concurrency)
        department_of, members = memberships(users, groups, seed)

        def create_group(g: int) -> Callable[[httpx.Client], httpx.Response]:
            name = f"Department {g}" if g < DEPARTMENTS else f"Team {g}"
            return lambda client: client.post("/Groups", json={"schemas": [CORE_GROUP], "displayName": name})

        def create_user(i: int) -> Callable[[httpx.Client], httpx.Response]:
            return lambda client: client.post("/Users", json=user_body(i, department_of[i]))

        # The groups first, so the administrator maps two of them to roles before the users
        # arrive (a mapping change recomputes every member's roles: timed on its own below).
        group_phase, made = timed(server, "groups", lambda: pusher.run((create_group(g) for g in range(groups)), 201))
        print(group_phase.line(), flush=True)
        group_ids = [answer["id"] for _, answer in made]
        assignments = [{"group_id": group_ids[0], "role_name": "admin"}]
        if groups > DEPARTMENTS:
            assignments.append({"group_id": group_ids[DEPARTMENTS], "role_name": "member"})
        remap = f"/api/v1/organizations/{org}/directories/{directory_id}/groups/-/roles:assign"
        api.put(remap, json={"assignments": assignments}).raise_for_status()

        user_phase, answers = timed(server, "users", lambda: pusher.run((create_user(i) for i in range(users)), 201))
        print(user_phase.line(), flush=True)
        user_ids = [answer["id"] for _, answer in answers]
        per_create = [seconds for seconds, _ in answers]
        window = min(WINDOW, max(1, users // 4))
        first, last = per_create[:window], per_create[-window:]
        print(
            f"time per create, first {window} vs last {window} (the organization then has ~{users} members): "
            f"median {statistics.median(first) * 1000:.1f} ms vs {statistics.median(last) * 1000:.1f} ms "
            f"(x{statistics.median(last) / statistics.median(first):.2f}), "
            f"p95 {percentile(first, 0.95) * 1000:.1f} ms vs {percentile(last, 0.95) * 1000:.1f} ms",
            flush=True,
        )
        tenth = max(1, users // 10)
        medians = [statistics.median(per_create[i : i + tenth]) * 1000 for i in range(0, users - tenth + 1, tenth)]
        print("median ms per create by tenth of the sync: " + " ".join(f"{m:.0f}" for m in medians), flush=True)

        def add(group_id: str, batch: list[int]) -> Callable[[httpx.Client], httpx.Response]:
            value = [{"value": user_ids[u]} for u in batch]
            body = {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": value}]}
            return lambda client: client.patch(f"/Groups/{group_id}?excludedAttributes=members", json=body)

        patches = [
            add(group_ids[g], member_list[start : start + BATCH])
            for g, member_list in enumerate(members)
            for start in range(0, len(member_list), BATCH)
        ]
        member_phase, _ = timed(server, "members", lambda: pusher.run(patches, 200))
        print(member_phase.line(), flush=True)
        total = user_phase.seconds + group_phase.seconds + member_phase.seconds
        count = user_phase.requests + group_phase.requests + member_phase.requests
        print(f"{'total':<8} {count:>6} requests in {total:7.1f} s = {count / total:6.1f} req/s", flush=True)
        if remap_too:
            remapped = [
                ("same roles in another order (every member re-checked, none changes)", assignments[::-1]),
                # every user is in exactly one department group: nearly every member's roles change
                (
                    "every department group mapped to admin (nearly every member's roles change)",
                    assignments + [{"group_id": group_ids[g], "role_name": "admin"} for g in range(1, DEPARTMENTS)],
                ),
                ("back to the first mapping (the same members change back)", assignments),
            ]
            for what, mapping in remapped:
                cpu = cpu_seconds([server.pid])
                started = time.perf_counter()
                api.put(remap, json={"assignments": mapping}, timeout=1800).raise_for_status()
                print(
                    f"re-mapping the group roles with {users} members, {what}: "
                    f"{time.perf_counter() - started:.1f} s, server CPU {cpu_seconds([server.pid]) - cpu:.1f} s",
                    flush=True,
                )
        if probe:
            probe_patches(server, pusher, user_ids[:probe])
        sizes = sorted((len(m) for m in members), reverse=True)
        print(
            f"memberships: {sum(sizes)} ({sum(sizes) / users:.1f} per user); group sizes largest {sizes[:3]}, "
            f"median {statistics.median(sizes):.0f}, smallest {sizes[-1]}"
        )
        found = api.get(f"/api/v1/organizations/{org}/directories/{directory_id}").json()["directory"]
        seats = api.get(f"/api/v1/organizations/{org}/settings/usermanagement").json()["seats_used"]
        ok = (found["total_users"], found["total_groups"], seats) == (users, groups + (1 if probe else 0), users)
        print(
            f"check: {found['total_users']} directory users, {found['total_groups']} groups, {seats} seats used "
            f"-> {'OK' if ok else 'WRONG'}; load average at end: {load_average()}\n"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="*", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4, help="simultaneous SCIM requests (default 4)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--remap", action="store_true", help="also time group-role mapping changes at the end")
    parser.add_argument(
        "--probe", type=int, default=0, metavar="M", help="also time single-member PATCHes of an M-member group"
    )
    args = parser.parse_args()
    header("SCIM initial sync (bench/scim_sync.py)")
    for kind in args.databases:
        sync(kind, args.users, args.groups, args.concurrency, args.seed, args.remap, args.probe)


if __name__ == "__main__":
    main()
