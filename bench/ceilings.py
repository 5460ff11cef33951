"""Tenantry per server CPU-second against external ceilings, in the same run (issue 18).

The machine these run on is shared, so wall-clock requests/s say little. Every figure here is
**requests per CPU-second of the server process** (utime + stime from /proc before and after
each wrk run), with each server pinned to one core (``taskset``) and wrk pinned to another.
Systems and scenarios are interleaved in rounds, so a ratio compares figures from the same
minutes; medians and (min-max) spreads are printed.

Systems, all on one SQLite file (the same database for Tenantry and the one-SELECT app):

  tenantry   ``tenantry serve`` as an operator starts it (access log on, default settings)
  bare       a bare Starlette JSON app on uvicorn (bench/ceiling_apps.py): the stack's ceiling
  select     a minimal FastAPI app with one SELECT by primary key on the same database
  argon2     raw argon2id verifications per CPU-second with the server's own parameters,
             one thread pinned to the server core
  oidc-provider  Node's oidc-provider (bench/node/oidc_provider_cc.mjs, from tests/interop/node:
             ``npm ci --prefix tests/interop/node``) issuing RS256 JWT access tokens for client
             credentials with its in-memory adapter; same client id and secret, same request
             (HTTP Basic), pinned to the server core like the others
  better-auth  better-auth with its organization plugin (bench/node/better_auth/server.mjs:
             ``npm ci --prefix bench/node/better_auth``) on its own SQLite file in the same
             folder (WAL, Tenantry's pragmas), an owner's session cookie inviting a fresh
             address per request (``POST /api/auth/organization/invite-member``, e-mail callback a
             no-op), pinned to the server core like the others

Scenarios: healthz (Tenantry vs bare), get_organization (vs select), get_user and list_users
(GET /api/v1/users/{id}, a page of an organization's 10 members; vs select, no target), invite
(vs select and better-auth), client_credentials (vs oidc-provider), login (vs argon2). Targets of
issue 18 are printed with met / not met.

    .venv/bin/python -m bench.ceilings [--rounds 5] [--duration 5] [--only healthz get_organization ...]
    .venv/bin/python -m bench.ceilings --only client_credentials --variants   # + no memory, opaque oidc-provider
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx

from bench.common import (
    CLIENT_ID,
    CLIENT_SECRET,
    ROOT,
    Server,
    Spread,
    _wait_until_up,
    commit,
    cpu_seconds,
    free_port,
    header,
    load_average,
    running_server,
    scratch_database,
    wrk,
)
from bench.throughput import CONNECTIONS, PASSWORD, prepare, scenarios

SERVER_CORE = int(os.environ.get("BENCH_SERVER_CORE", str((os.cpu_count() or 1) - 1)))
CLIENT_CORE = int(os.environ.get("BENCH_CLIENT_CORE", "0"))
SCENARIOS = ("healthz", "get_organization", "get_user", "list_users", "invite", "client_credentials", "login")
# scenario -> (ceiling system, the fraction of it issue 18 asks for)
TARGETS: dict[str, tuple[str, float | None]] = {
    "healthz": ("bare", 0.50),
    "get_organization": ("select", 0.60),
    "invite": ("select", 0.25),
    "get_user": ("select", None),  # no target of its own: the same ceiling, for comparison
    "list_users": ("select", None),
    "client_credentials": ("oidc-provider", 0.50),
    "login": ("argon2", 0.85),
}
# further targets of a scenario: "invitation ≥ better-auth's rate"
MORE_TARGETS: dict[str, list[tuple[str, float | None]]] = {"invite": [("better-auth", 1.00)]}
BETTER_AUTH = ROOT / "bench" / "node" / "better_auth"


@contextmanager
def ceiling_server(target: str, database_url: str) -> Iterator[Server]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    factory = ["--factory"] if target.endswith("()") else []
    command = [
        "taskset", "-c", str(SERVER_CORE), sys.executable, "-m", "uvicorn", *factory, target.removesuffix("()"),
        "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, "BENCH_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(process, url, log)
            yield Server(process, url, database_url)
        finally:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def oidc_provider_server(token_format: str = "jwt") -> Iterator[Server]:
    """Node's oidc-provider with the bench client, pinned to the server core; ``token_format``
    ``opaque`` keeps its tokens in its in-memory adapter instead of signing JWTs."""
    script = ROOT / "bench" / "node" / "oidc_provider_cc.mjs"
    if not (ROOT / "tests" / "interop" / "node" / "node_modules" / "oidc-provider").is_dir():
        raise SystemExit("oidc-provider is not installed: npm ci --prefix tests/interop/node")
    port = free_port()
    node = shutil.which("node") or "node"
    command = ["taskset", "-c", str(SERVER_CORE), node, str(script), str(port), CLIENT_ID, CLIENT_SECRET]
    with tempfile.TemporaryFile() as log:
        env = {**os.environ, "OIDC_PROVIDER_TOKEN_FORMAT": token_format}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(process, f"http://127.0.0.1:{port}", log)
            yield Server(process, f"http://127.0.0.1:{port}", "")
        finally:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def better_auth_server(database_file: str) -> Iterator[tuple[Server, dict[str, str]]]:
    """better-auth with its organization plugin on its own SQLite file, pinned to the server
    core; yields the server and its seed (the owner's session cookie, the organization, the origin)."""
    if not (BETTER_AUTH / "node_modules" / "better-auth").is_dir():
        raise SystemExit(f"better-auth is not installed: npm ci --prefix {BETTER_AUTH.relative_to(ROOT)}")
    port = free_port()
    node = shutil.which("node") or "node"
    command = ["taskset", "-c", str(SERVER_CORE), node, str(BETTER_AUTH / "server.mjs"), str(port), database_file]
    with tempfile.TemporaryFile() as log:
        env = {**os.environ, "NODE_ENV": "production"}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(process, url, log)
            seed = httpx.get(f"{url}/bench/seed", timeout=30).json()
            yield Server(process, url, ""), seed
        finally:
            process.terminate()
            process.wait(timeout=20)


def _first_select(chosen: list[str]) -> str:
    """The scenario of a round the one-SELECT app runs beside when get_organization is not chosen."""
    return next(name for name in chosen if TARGETS[name][0] == "select")


def _target(wanted: float | None) -> str:
    return "–" if wanted is None else f"{wanted:.0%}"


def settle(pid: int, *, interval: float = 0.5, quiet: float = 0.05, patience: float = 60.0) -> float:
    """Wait until the server is quiet (under ``quiet`` of a core over ``interval``), and return
    the CPU seconds it spent meanwhile: the work a run left behind (mostly the requests still in
    flight when wrk stopped, up to one per connection; any background work), which is not counted
    in the run's figure but would otherwise run beside, and steal the pinned core from, the next
    system's run."""
    start = last = cpu_seconds([pid])
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        time.sleep(interval)
        now = cpu_seconds([pid])
        if now - last < quiet * interval:
            break
        last = now
    return cpu_seconds([pid]) - start


def argon2_per_cpu_second(seconds: float) -> float:
    """Raw argon2id verifications per CPU-second, the server's parameters, on the server core."""
    code = (
        "import os, time\n"
        "from tenantry.server.domain import passwords\n"
        f"stored = passwords.hash_password({PASSWORD!r})\n"
        "h = passwords._hasher\n"
        "n, start = 0, time.process_time()\n"
        f"deadline = time.perf_counter() + {seconds}\n"
        "while time.perf_counter() < deadline:\n"
        f"    h.verify(stored, {PASSWORD!r}); n += 1\n"
        "print(n / (time.process_time() - start))\n"
    )
    out = subprocess.run(
        ["taskset", "-c", str(SERVER_CORE), sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--only", nargs="*", default=[], choices=SCENARIOS)
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="seconds of one unrecorded run of every system and scenario before round 1 (Node's JIT, "
        "Python's caches; 0: none)",
    )
    parser.add_argument(
        "--before",
        metavar="SRC",
        help="also serve another checkout's src/ (e.g. the commit before a change), interleaved",
    )
    parser.add_argument(
        "--variants",
        action="store_true",
        help="client_credentials also with Tenantry's credentials memory off (every grant reads the client: "
        "TENANTRY_API_TOKEN_CACHE_SECONDS=0) and oidc-provider with opaque, in-memory tokens",
    )
    args = parser.parse_args()
    os.sched_setaffinity(0, {CLIENT_CORE})  # wrk (our child) runs beside, not on, the server core
    chosen = [name for name in SCENARIOS if not args.only or name in args.only]
    header(
        f"ceilings: per server CPU-second, {args.rounds} rounds × {args.duration} s (after a {args.warmup} s "
        f"warm-up), commit {commit()}"
    )
    figures: dict[tuple[str, str], Spread] = defaultdict(Spread)
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database("sqlite", "tenantry_bench_ceilings"))
        tenantry = stack.enter_context(running_server(url, pin=SERVER_CORE))
        ours = {"tenantry": (tenantry, prepare(tenantry))}
        if args.before:
            before_url = stack.enter_context(scratch_database("sqlite", "tenantry_bench_before"))
            before = stack.enter_context(running_server(before_url, pin=SERVER_CORE, PYTHONPATH=args.before))
            ours["before"] = (before, prepare(before))
        bare = stack.enter_context(ceiling_server("bench.ceiling_apps:bare", url))
        select = stack.enter_context(ceiling_server("bench.ceiling_apps:select_app()", url))
        provider = stack.enter_context(oidc_provider_server()) if "client_credentials" in chosen else None
        better_auth = None
        if "invite" in chosen:
            folder = url.removeprefix("sqlite:///").rsplit("/", 1)[0]
            better_auth = stack.enter_context(better_auth_server(f"{folder}/better_auth.db"))
        variants: list[tuple[str, Server]] = []
        if args.variants and "client_credentials" in chosen:
            no_memory = running_server(url, pin=SERVER_CORE, TENANTRY_API_TOKEN_CACHE_SECONDS="0")
            variants = [("no-memory", stack.enter_context(no_memory))]
            variants.append(("opaque-oidc-provider", stack.enter_context(oidc_provider_server("opaque"))))
        # the same request to every system: credentials in HTTP Basic (RFC 6749 §2.3.1)
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        read_org = ours["tenantry"][1]["read_org"]
        for round_ in range(-1 if args.warmup > 0 else 0, args.rounds):  # round -1: the warm-up
            for name in chosen:
                runs: list[tuple[str, Server, str, int, dict[str, Any]]] = []
                for system, (server, data) in ours.items():
                    script, expect, variables = scenarios(data)[name]
                    if name == "client_credentials":
                        variables = {"BASIC": basic}
                    runs.append((system, server, script, expect, variables))
                if name == "client_credentials" and provider is not None:
                    runs.append(("oidc-provider", provider, "client_credentials", 200, {"BASIC": basic}))
                    runs += [(system, other, "client_credentials", 200, {"BASIC": basic}) for system, other in variants]
                if name == "healthz":
                    runs.append(("bare", bare, "healthz", 200, {}))
                if name == "invite" and better_auth is not None:
                    other, seed = better_auth
                    variables = {"COOKIE": seed["cookie"], "ORIGIN": seed["origin"]}
                    variables["ORGANIZATION"] = seed["organizationId"]
                    runs.append(("better-auth", other, "better_auth_invite", 200, variables))
                if name == "get_organization" or (
                    TARGETS[name][0] == "select" and "get_organization" not in chosen and name == _first_select(chosen)
                ):
                    variables = {"TOKEN": "-", "ORGANIZATION": read_org}
                    runs.append(("select", select, "get_organization", 200, variables))
                # the systems' order turns by one each round: the first of a round read 2-8 % low
                # against the same code second (login3, bench/RESULTS.md), so none is always first
                if name == "login":  # the reference in the same turn as the log-ins, not after the round
                    runs.append(("argon2", None, "verify", 0, {}))  # type: ignore[arg-type]
                turn = max(round_, 0) % len(runs)
                for system, server, script, expect, variables in runs[turn:] + runs[:turn]:
                    if system == "argon2":
                        rate = argon2_per_cpu_second(args.warmup if round_ < 0 else args.duration)
                        if round_ >= 0:
                            figures[("argon2", "verify")].add(rate)
                        label = f"round {round_ + 1}" if round_ >= 0 else "warm-up"
                        print(f"  {label} argon2    verify {rate:.1f}", flush=True)
                        continue
                    result = wrk(
                        server, script, expect=expect, duration=args.warmup if round_ < 0 else args.duration,
                        connections=CONNECTIONS, variables=variables,
                    )  # fmt: skip
                    key = (system, name if system in ours else script)
                    if round_ >= 0:
                        figures[key].add(result.per_server_core)
                    label = f"round {round_ + 1}" if round_ >= 0 else "warm-up"
                    after = settle(server.pid)
                    print(
                        f"  {label} {system:9s} {key[1]:20s} {result.per_server_core:8.1f}/CPU-s "
                        f"({result.requests_per_s:.0f}/s, CPU {result.server_cpu_s:.2f} s, bad {result.bad}, "
                        f"then {after:.2f} s until quiet) load {result.load}",
                        flush=True,
                    )
    print(f"\nload average at the end {load_average()}\n")
    if any(system == "before" for system, _ in figures):
        print("| before → after (per server CPU-second) | before | after | change |")
        print("|---|---|---|---|")
        for name in chosen:
            old, new = figures[("before", name)], figures[("tenantry", name)]
            print(f"| {name} | {old} | {new} | {new.median / old.median - 1:+.0%} |")
        print()
    print("| figure (per server CPU-second) | Tenantry | ceiling | ratio (median) | target | met |")
    print("|---|---|---|---|---|---|")
    ceiling_key = {
        "bare": ("bare", "healthz"),
        "select": ("select", "get_organization"),
        "argon2": ("argon2", "verify"),
        "oidc-provider": ("oidc-provider", "client_credentials"),
        "better-auth": ("better-auth", "better_auth_invite"),
    }
    for name in chosen:
        mine = figures[("tenantry", name)]
        for system, wanted in [TARGETS[name], *MORE_TARGETS.get(name, [])]:
            ceiling = figures.get(ceiling_key.get(system, ("", "")))
            if ceiling is None or not ceiling.values:
                print(f"| {name} | {mine} | {system}: not in this run | – | {_target(wanted)} | – |")
                continue
            rows = [(name, mine, system, ceiling)]
            if name == "client_credentials" and args.variants:
                rows.append(("client_credentials, no memory", figures[("no-memory", name)], system, ceiling))
                opaque = figures[("opaque-oidc-provider", name)]
                rows.append((name, mine, "oidc-provider (opaque tokens)", opaque))
            for label, value, against, base in rows:
                ratio = value.median / base.median
                if wanted is None:
                    print(f"| {label} | {value} | {against} {base} | {ratio:.0%}{by_round(value, base)} | – | – |")
                    continue
                print(
                    f"| {label} | {value} | {against} {base} | {ratio:.0%}{by_round(value, base)} | ≥ {wanted:.0%} | "
                    f"{'met' if ratio >= wanted else 'not met'} |"
                )


def by_round(value: Spread, base: Spread) -> str:
    """The range of the ratio round by round (the two figures of a round come from the same minute)."""
    if len(value.values) != len(base.values) or len(value.values) < 2:
        return ""
    ratios = [mine / theirs for mine, theirs in zip(value.values, base.values, strict=True) if theirs]
    return f" ({min(ratios):.1%}–{max(ratios):.1%} by round)" if ratios else ""


if __name__ == "__main__":
    main()
