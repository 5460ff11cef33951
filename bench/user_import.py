"""Time ``tenantry users import`` of N users (default 10,000) against a real server.

Starts ``tenantry serve`` (rate limits off) on a scratch database — a new SQLite file, or
TENANTRY_DATABASE_URL (emptied first by a fresh PostgreSQL database name you give it) —
writes a CSV of N users with two custom attributes, then times, through the CLI as an
operator runs it: the first import (all created), a second import of the same file (all
unchanged), and an export.

    .venv/bin/python bench/user_import.py 10000
    TENANTRY_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_import .venv/bin/python bench/user_import.py
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tenantry import Client

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
CLIENT_ID, SECRET = "bench-import", "bench-import-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    env |= {
        "TENANTRY_DATABASE_URL": database_url,
        "TENANTRY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TENANTRY_BOOTSTRAP_CLIENT_ID": CLIENT_ID,
        "TENANTRY_BOOTSTRAP_CLIENT_SECRET": SECRET,
        "TENANTRY_RATE_LIMITS_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tenantry", "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def write_users(path: Path) -> None:
    columns = ["email", "external_id", "given_name", "family_name", "metadata",
               "custom_attributes.department", "custom_attributes.level"]  # fmt: skip
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        for i in range(N):
            writer.writerow({
                "email": f"user{i}@example.com", "external_id": f"ext-{i}", "given_name": f"User{i}",
                "family_name": "Bench", "metadata": f'{{"n": {i}}}',
                "custom_attributes.department": ("sales", "engineering")[i % 2], "custom_attributes.level": 1 + i % 5,
            })  # fmt: skip


def timed(label: str, *args: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "tenantry", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    summary = result.stdout.strip().splitlines()[-2:] if result.stdout.strip() else []
    print(f"{label}: {elapsed:.1f} s ({N / elapsed:.0f} rows/s), exit {result.returncode}", *summary, sep="\n  ")
    return elapsed


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="tenantry-bench-"))
    database_url = os.environ.get("TENANTRY_DATABASE_URL") or f"sqlite:///{scratch / 'bench.db'}"
    port = free_port()
    server = serve(database_url, port)
    try:
        base_url = f"http://127.0.0.1:{port}"
        with Client(base_url, CLIENT_ID, SECRET) as sdk:
            sdk.attributes.create("department", "Department", "enum", options=["sales", "engineering"])
            sdk.attributes.create("level", "Level", "integer", minimum=1, maximum=5)
            org = sdk.organizations.create("Bench")
        path = scratch / "users.csv"
        write_users(path)
        env = {**os.environ, "TENANTRY_URL": base_url, "TENANTRY_CLIENT_ID": CLIENT_ID,
               "TENANTRY_CLIENT_SECRET": SECRET, "XDG_CONFIG_HOME": str(scratch)}  # fmt: skip
        print(f"{N} users, database {database_url.split('@')[-1]}")
        timed("first import (creates)", "users", "import", str(path), "--organization", org.id, env=env)
        timed("second import (unchanged)", "users", "import", str(path), "--organization", org.id, env=env)
        timed("export", "users", "export", "--output", str(scratch / "export.csv"), env=env)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
