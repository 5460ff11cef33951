"""Start-up times: ``tenantry --help``, an API command's import, and ``tenantry serve`` from
process start to the first answered ``GET /healthz`` on SQLite (a new database, so migrations
run; then the same database again).

    python -m bench.startup [--runs 7] [--tenantry .venv/bin/tenantry] [--tenantry OTHER ...]

``--tenantry`` may point at another checkout's entry point to compare (before/after); given
several times, the entry points take turns run by run (A B A B …), so a change in the machine's
load falls on all of them alike. The server is polled every 5 ms, so the figure is what a
client waiting for it sees. Beside each serve time: the CPU seconds the server process had used
when it answered (from ``/proc/<pid>/stat``), a figure that depends far less on what else the
machine runs than the wall-clock time.
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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def serve_until_ready(tenantry: str, database: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds until the first answer, and the server's CPU seconds by then."""
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
                    return time.perf_counter() - began, cpu_seconds(process.pid)
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
    parser.add_argument("--tenantry", action="append", help="an entry point; several: compared, taking turns")
    args = parser.parse_args()
    entries: list[str] = args.tenantry or [str(Path(sys.executable).parent / "tenantry")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENANTRY_")}
    header(f"start-up of {', '.join(entries)}")
    figures: dict[str, dict[str, list[float]]] = {
        entry: {key: [] for key in ("help", "api", "fresh", "fresh cpu", "again", "again cpu")} for entry in entries
    }
    loads = []
    for _ in range(args.runs):
        for entry in entries:
            python = str(Path(entry).parent / "python")
            taken = figures[entry]
            taken["help"].append(timed([entry, "--help"], env))
            taken["api"].append(timed([python, "-c", "import tenantry.cli.main"], env))
            with tempfile.TemporaryDirectory() as scratch:
                database = Path(scratch) / "tenantry.db"
                for key in ("fresh", "again"):
                    wall, cpu = serve_until_ready(entry, database, env)
                    taken[key].append(wall)
                    taken[f"{key} cpu"].append(cpu)
        loads.append(os.getloadavg()[0])
    for entry in entries:
        taken = figures[entry]
        print(f"\n{entry}")
        print(f"tenantry --help:                          {spread(taken['help'])}")
        print(f"import tenantry.cli.main (API commands):  {spread(taken['api'])}")
        print(f"serve ready, new SQLite database:         {spread(taken['fresh'])}")
        print(f"  server CPU by then:                     {spread(taken['fresh cpu'])}")
        print(f"serve ready, existing SQLite database:    {spread(taken['again'])}")
        print(f"  server CPU by then:                     {spread(taken['again cpu'])}")
    print(f"\n1-minute load average after each round: {' '.join(f'{load:.1f}' for load in loads)}")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
