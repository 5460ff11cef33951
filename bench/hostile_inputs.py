"""Hostile inputs against a real ``tenantry serve`` (issue 15 items 5 and 8).

1. Big bodies: N ``curl`` processes at once each POST a body of S MB of JSON to the public
   ``/api/v1/signup`` (with a Content-Length) while this process times ``GET /healthz``.
   Prints the server's resident memory (highest seen), the answers, and the health
   check's latency during the attack.
2. A catastrophic attribute pattern: ``(a+)+b`` defined by an administrator, then a public
   sign-up with an L-character value that does not match; prints the sign-up's time.

Run it against other code with PYTHONPATH (``PYTHONPATH=/path/to/other/src python -m
bench.hostile_inputs``): the server process imports ``tenantry`` from there first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import httpx

from bench.common import memory_mib, running_server, scratch_database


def _body_file(megabytes: int) -> str:
    """A sign-up of ``megabytes`` MB of JSON, on disk (curl streams it from there)."""
    handle = tempfile.NamedTemporaryFile(prefix="big_body_", suffix=".json", delete=False)  # noqa: SIM115
    with handle:
        handle.write(b'{"email": "x@example.com", "password": "')
        for _ in range(megabytes):
            handle.write(b"a" * (1024 * 1024))
        handle.write(b'"}')
    return handle.name


def big_bodies(url: str, pid: int, clients: int, megabytes: int) -> None:
    """``clients`` curl processes (streaming the file: the load costs this process nothing) send it at
    once; this process polls the server's memory and times /healthz meanwhile."""
    path = _body_file(megabytes)
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "content-type: application/json"]
    latencies: list[float] = []
    peak = before = memory_mib(pid)["rss"]
    began = time.monotonic()
    senders = [
        subprocess.Popen([*command, "-X", "POST", "-T", path, f"{url}/api/v1/signup"], stdout=subprocess.PIPE)
        for _ in range(clients)
    ]
    while any(sender.poll() is None for sender in senders):
        start = time.monotonic()
        httpx.get(f"{url}/healthz", timeout=120)
        latencies.append(time.monotonic() - start)
        peak = max(peak, memory_mib(pid)["rss"])
        time.sleep(0.05)
    answers = sorted(sender.communicate()[0].decode() for sender in senders)
    os.unlink(path)
    took = time.monotonic() - began
    print(f"{clients} x {megabytes} MB to /api/v1/signup: answers {answers} in {took:.1f} s")
    print(f"  server RSS {before:.0f} MiB before, {peak:.0f} MiB at most during the attack")
    if latencies:
        print(
            f"  /healthz during the attack: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms ({len(latencies)} checks)"
        )


def catastrophic_pattern(url: str, token: str, length: int) -> None:
    """Time a public sign-up whose attribute value makes ``(a+)+b`` backtrack, next to the
    same sign-up with a one-character value (what the rest of the request costs)."""
    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
    definition = {"key": "code", "display_name": "Code", "type": "string", "pattern": "(a+)+b"}
    api.post("/api/v1/user-attributes", json=definition).raise_for_status()
    for label, value in (("1-character value (control)", "c"), (f"{length + 1}-character value", "a" * length + "c")):
        body = {"email": "redos@example.com", "password": "a long and unusual passphrase"}
        began = time.monotonic()
        response = httpx.post(
            f"{url}/api/v1/signup", json={**body, "user_profile": {"custom_attributes": {"code": value}}}, timeout=600
        )
        print(f"pattern (a+)+b, {label}: {response.status_code} in {time.monotonic() - began:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--pattern-length", type=int, default=22)
    args = parser.parse_args()
    with (
        scratch_database("sqlite", "bench_hostile") as database_url,
        running_server(database_url, TENANTRY_RATE_LIMITS_ENABLED="false", TENANTRY_WORKER_ENABLED="false") as server,
    ):
        big_bodies(server.url, server.pid, args.clients, args.megabytes)
        catastrophic_pattern(server.url, server.token(), args.pattern_length)


if __name__ == "__main__":
    main()
