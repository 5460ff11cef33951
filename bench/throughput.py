"""Throughput of a real ``tenantry serve`` against its ceilings (issue 8, figures 1, 2, 3, 5).

For each database (SQLite file, scratch PostgreSQL database), start one server process as an
operator would, prepare a little data over HTTP, then run every scenario with ``wrk`` (one
thread, 32 connections, on loopback) ROUNDS times, interleaved so that each ratio compares
numbers from the same minutes:

  healthz               GET /healthz, a constant JSON answer: the ceiling of the stack
  get_organization      GET /api/v1/organizations/{id}
  get_user              GET /api/v1/users/{id}
  list_users            GET /api/v1/organizations/{id}/users?page_size=10, a page of its 10 members
  invite                POST /api/v1/organizations/{id}/users (seat check, token, e-mail)
  client_credentials    POST /oauth/token, a new management API token
  refresh               POST /oauth/token, rotating refresh tokens (one family per connection)
  login                 POST /login with the right password (argon2id)
  argon2 floor          raw argon2id verifications/s in this process, one thread per core,
                        with the server's own parameters (the server allows one hash per core)

It also records the server's resident memory idle (after start-up and a warm-up request)
and its peak under load. Usage:

    .venv/bin/python -m bench.throughput [sqlite] [postgresql] [--rounds 3] [--duration 8] [--only login ...]
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import threading
import time
from collections import defaultdict
from typing import Any

import httpx

from bench.common import (
    CLIENT_ID,
    CLIENT_SECRET,
    Server,
    Spread,
    WrkResult,
    header,
    load_average,
    memory_mib,
    running_server,
    scratch_database,
    wrk,
)
from bench.oidc_flow import refresh_tokens, sign_in, verify_email

PASSWORD = "bench passphrase, long enough"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
CONNECTIONS = 32
REFRESH_POOL = 250  # see wrk/refresh.lua


def prepare(server: Server) -> dict[str, Any]:
    """An organization to read, one with a (large) seat limit to invite into, a user with a
    password and a browser's CSRF pair for /login, and a pool of refresh tokens."""
    with server.api() as api:
        read_org = api.post("/api/v1/organizations", json={"display_name": "Read me"}).json()["organization"]["id"]
        members = [  # the 10 members get_user and list_users read
            api.post(
                f"/api/v1/organizations/{read_org}/users",
                params={"send_invitation_email": "false"},
                json={"email": f"member{n}@example.com"},
            ).json()["user"]["id"]
            for n in range(10)
        ]
        invite_org = api.post("/api/v1/organizations", json={"display_name": "Invite here"}).json()["organization"]
        api.patch(
            f"/api/v1/organizations/{invite_org['id']}/settings/usermanagement",
            json={"settings": {"max_allowed_users": 10_000_000}},
        ).raise_for_status()
        signup = api.post(
            "/api/v1/signup",
            json={"email": "bench@example.com", "password": PASSWORD, "organization": {"display_name": "Bench"}},
        )
        signup.raise_for_status()
        app = api.post(
            "/api/v1/applications",
            json={"name": "bench", "type": "confidential", "redirect_uris": ["http://127.0.0.1:9/cb"]},
        ).json()
        token = api.headers["Authorization"].removeprefix("Bearer ")
    with httpx.Client(base_url=server.url, timeout=60) as browser:
        page = browser.get("/login")
        match = CSRF.search(page.text)
        assert match, page.text
        csrf_cookie, csrf_token = browser.cookies["tenantry_csrf"], match.group(1)
        sign_in(browser, "bench@example.com", PASSWORD)
        with server.api() as api:
            verify_email(browser, api, "bench@example.com")
        tokens = refresh_tokens(browser, app["application"]["id"], app["client_secret"], REFRESH_POOL)
    basic = base64.b64encode(f"{app['application']['id']}:{app['client_secret']}".encode()).decode()
    return {
        "token": token,
        "read_org": read_org,
        "read_user": members[0],
        "invite_org": invite_org["id"],
        "csrf": (csrf_cookie, csrf_token),
        "refresh": tokens,
        "basic": basic,
    }


def argon2_floor(seconds: float) -> tuple[float, float]:
    """Raw argon2id verifications per second with the server's parameters, one thread per
    core (what the server's cap allows at most), and per CPU-second spent."""
    from tenantry.server.domain import passwords  # the same hasher object the server uses

    stored = passwords.hash_password(PASSWORD)
    hasher = passwords._hasher
    counts = [0] * (os.cpu_count() or 1)
    deadline = time.perf_counter() + seconds

    def work(slot: int) -> None:
        while time.perf_counter() < deadline:
            hasher.verify(stored, PASSWORD)
            counts[slot] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(counts))]
    started, cpu_started = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started), sum(counts) / (time.process_time() - cpu_started)


def scenarios(data: dict[str, Any]) -> dict[str, tuple[str, int, dict[str, Any]]]:
    cookie, csrf = data["csrf"]
    return {
        "healthz": ("healthz", 200, {}),
        "get_organization": ("get_organization", 200, {"TOKEN": data["token"], "ORGANIZATION": data["read_org"]}),
        "get_user": ("get_user", 200, {"TOKEN": data["token"], "USER": data["read_user"]}),
        "list_users": ("list_users", 200, {"TOKEN": data["token"], "ORGANIZATION": data["read_org"]}),
        "invite": ("invite", 201, {"TOKEN": data["token"], "ORGANIZATION": data["invite_org"]}),
        "client_credentials": ("client_credentials", 200, {"CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET}),
        "refresh": ("refresh", 200, {"BASIC": data["basic"], "REFRESH_TOKENS": data["refresh"]}),
        "login": (
            "login",
            303,
            {
                "EMAIL": "bench%40example.com",
                "PASSWORD": PASSWORD.replace(" ", "+").replace(",", "%2C"),
                "CSRF_COOKIE": cookie,
                "CSRF_TOKEN": csrf,
            },
        ),
    }


def run(kind: str, rounds: int, duration: int, only: list[str]) -> None:
    print(f"\n## {kind}\n")
    with scratch_database(kind, f"tenantry_bench_tp_{kind}") as url, running_server(url) as server:
        server.token()  # one API call: everything a request needs is imported and connected
        idle = memory_mib(server.pid)
        data = prepare(server)
        prepared = memory_mib(server.pid)
        print(f"RSS idle {idle['rss']:.1f} MiB; after preparing data (incl. 2 argon2 hashes) {prepared['rss']:.1f} MiB")
        results: dict[str, list[WrkResult]] = defaultdict(list)
        floor, floor_cpu = Spread(), Spread()
        for round_ in range(rounds):
            for name, (script, expect, variables) in scenarios(data).items():
                if only and name not in only:
                    continue
                if name == "refresh" and round_:
                    variables["REFRESH_TOKENS"] = refresh_again(server, data)
                result = wrk(
                    server, script, expect=expect, duration=duration, connections=CONNECTIONS, variables=variables
                )
                results[name].append(result)
                print(
                    f"  round {round_ + 1} {name:20s} {result.requests_per_s:8.1f}/s ok {result.ok} bad {result.bad} "
                    f"p50 {result.p50_ms:.1f} ms p99 {result.p99_ms:.1f} ms server CPU {result.server_cpu_s:.1f} s "
                    f"db CPU {result.db_cpu_s:.1f} s RSS {memory_mib(server.pid)['rss']:.0f} MiB load {result.load} "
                    f"{result.first_bad[:120]}",
                    flush=True,
                )
            rate, per_cpu = argon2_floor(duration)
            floor.add(rate)
            floor_cpu.add(per_cpu)
            print(
                f"  round {round_ + 1} argon2 floor        {floor.values[-1]:8.1f}/s load {load_average()}", flush=True
            )
        peak = memory_mib(server.pid)
        report(kind, results, (floor, floor_cpu), idle, peak)


def refresh_again(server: Server, data: dict[str, Any]) -> list[str]:
    """Fresh families for the next round (a round ends with tokens in flight)."""
    app_id, secret = base64.b64decode(data["basic"]).decode().split(":", 1)
    with httpx.Client(base_url=server.url, timeout=60) as browser:
        sign_in(browser, "bench@example.com", PASSWORD)
        return refresh_tokens(browser, app_id, secret, REFRESH_POOL)


def report(
    kind: str,
    results: dict[str, list[WrkResult]],
    floors: tuple[Spread, Spread],
    idle: dict[str, float],
    peak: dict[str, float],
) -> None:
    floor, floor_cpu = floors
    rate = {name: Spread([r.requests_per_s for r in runs]) for name, runs in results.items()}
    print(
        f"\n| {kind} | req/s median (min–max) | p50 / p99 ms (median run) | req per server-CPU-s | "
        "req per CPU-s incl. database | failures |"
    )
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        middle = sorted(runs, key=lambda r: r.requests_per_s)[len(runs) // 2]
        per_core = Spread([r.per_server_core for r in runs])
        with_db = Spread([r.per_core_with_db for r in runs])
        failures = sum(r.bad + r.socket_errors for r in runs)
        print(
            f"| {name} | {rate[name]} | {middle.p50_ms:.1f} / {middle.p99_ms:.1f} "
            f"| {per_core} | {with_db} | {failures} |"
        )
    print(f"| argon2id floor (in-process, {os.cpu_count()} threads) | {floor} | | {floor_cpu} | | |")
    cpu = {name: Spread([r.per_server_core for r in runs]) for name, runs in results.items()}
    print("\nRatios, each round's figure over the same round's reference, median (min–max); by requests/s and")
    print("by requests per CPU-second of the server (the latter barely moved by other load on the machine):")
    for name, reference, target in (
        ("get_organization", "healthz", "≥ 50%"),
        ("invite", "healthz", "≥ 25%"),
        ("login", "floor", "≥ 85%"),
    ):
        if name not in rate or (reference != "floor" and reference not in rate):
            continue
        by_rate = floor.values if reference == "floor" else rate[reference].values
        by_cpu = floor_cpu.values if reference == "floor" else cpu[reference].values
        ratios = Spread([100 * a / b for a, b in zip(rate[name].values, by_rate, strict=True)])
        cpu_ratios = Spread([100 * a / b for a, b in zip(cpu[name].values, by_cpu, strict=True)])
        print(f"- {name} / {reference}: {ratios} % by rate, {cpu_ratios} % by CPU (target {target})")
    print(
        f"\nRSS: idle {idle['rss']:.1f} MiB; peak under load {peak['peak']:.1f} MiB; after load {peak['rss']:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kinds", nargs="*", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--only", nargs="*", default=[], help="scenarios to run (default: all)")
    args = parser.parse_args()
    header("Tenantry throughput against its ceilings")
    for kind in args.kinds:
        run(kind, args.rounds, args.duration, args.only)


if __name__ == "__main__":
    main()
