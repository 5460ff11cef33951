"""Start-up times: ``tenantry --help``, an API command's import, and ``tenantry serve`` from
process start to the first answered ``GET /healthz`` on SQLite (a new database, so migrations
run; then the same database again).

    python -m bench.startup [--runs 7] [--tenantry .venv/bin/tenantry]

``--tenantry`` may point at another checkout's entry point to compare (before/after). The
server is polled every 5 ms, so the figure is what a client waiting for it sees.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tests.helpers import free_port

from bench.common import header, load_average


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - began


def serve_until_ready(tenantry: str, database: Path, env: dict[str, str]) -> float:
    port = free_port()
    env = {**env, "TENANTRY_DATABASE_URL": f"sqlite:///{database}"}
    began = time.perf_counter()
    process = subprocess.Popen(
        [tenantry, "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - began
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"serve exited with {process.returncode}")
            time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(timeout=30)


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tenantry", default=str(Path(sys.executable).parent / "tenantry"))
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    python = str(Path(args.tenantry).parent / "python")
    header(f"start-up of {args.tenantry}")
    help_times = [timed([args.tenantry, "--help"], env) for _ in range(args.runs)]
    api_import = [timed([python, "-c", "import tenantry.cli.main"], env) for _ in range(args.runs)]
    fresh, again = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as scratch:
            database = Path(scratch) / "tenantry.db"
            fresh.append(serve_until_ready(args.tenantry, database, env))
            again.append(serve_until_ready(args.tenantry, database, env))
    print(f"tenantry --help:                          {spread(help_times)}")
    print(f"import tenantry.cli.main (API commands):  {spread(api_import)}")
    print(f"serve ready, new SQLite database:         {spread(fresh)}")
    print(f"serve ready, existing SQLite database:    {spread(again)}")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
