"""Many rounds of the seat races of issue 14 (tests/live/test_seat_races.py) and many seeded
runs of the seat model (tests/live/seat_model.py), against two ``tenantry serve`` processes on
one scratch PostgreSQL database (or one on SQLite), counting the rounds that fail.

    python -m bench.seat_model cases [--rounds 20] [--case NAME ...] [--database postgresql]
    python -m bench.seat_model model [--runs 10] [--seconds 20] [--seed S]
    ... [--python /path/to/other/checkout/.venv/bin/python]   # servers of another build

``--python`` starts the servers with another checkout's interpreter (its installed tenantry),
so the same cases run against an older build: the servers are ``python -m
tests.live.clocked_serve serve`` started from this repository (for its test clock), which works
with any build whose clock is ``SystemClock``. With ``TENANTRY_MODEL_TARGETS`` set, nothing is
started and the servers named there are driven (see tests/live/seats.py). Results are printed
as one line per case or run, and a summary line; each failure's first line is shown.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tests.live.conftest import server_env
from tests.live.seat_model import SeatModel
from tests.live.seats import Cluster, cluster_from_env, started_cluster
from tests.live.test_seat_races import CASES

from bench.common import ROOT, scratch_database


@contextmanager
def cluster(args: argparse.Namespace) -> Iterator[Cluster]:
    external = cluster_from_env()
    if external is not None:
        yield external
        return
    with scratch_database(args.database, "tenantry_bench_seats") as url:
        processes = args.processes or (1 if args.database == "sqlite" else 2)
        command = (args.python, "-m", "tests.live.clocked_serve", "serve")
        with started_cluster(server_env(url), processes, command=command, cwd=ROOT) as started:
            yield started


def attempt(run: Callable[[], None]) -> str | None:
    """None when ``run`` passed, else the first line of what went wrong."""
    try:
        run()
    except AssertionError as failure:
        return " | ".join(str(failure).strip().splitlines()[:2])[:300] or "assertion failed"
    except Exception as error:  # a timeout or a refused connection counts as a failed round too
        return f"{type(error).__name__}: {''.join(traceback.format_exception_only(error)).strip()[:300]}"
    return None


def run_cases(args: argparse.Namespace) -> int:
    names = args.case or list(CASES)
    failed_total = 0
    with cluster(args) as servers:
        print(f"servers {servers.urls} ({args.python})", flush=True)
        for name in names:
            failures: list[str] = []
            started = time.monotonic()
            for round_number in range(1, args.rounds + 1):
                problem = attempt(lambda name=name: CASES[name](servers))  # type: ignore[misc]
                if problem:
                    failures.append(f"round {round_number}: {problem}")
            took = time.monotonic() - started
            print(f"case {name}: {len(failures)}/{args.rounds} rounds failed ({took:.0f} s)", flush=True)
            for failure in failures[:5]:
                print(f"    {failure}", flush=True)
            failed_total += len(failures)
    return 1 if failed_total else 0


def run_model(args: argparse.Namespace) -> int:
    failures = 0
    with cluster(args) as servers:
        print(f"servers {servers.urls} ({args.python})", flush=True)
        for run in range(args.runs):
            seed = args.seed + run if args.seed is not None else int.from_bytes(os.urandom(4), "big") % 2**31
            model = SeatModel(servers, seed, log=lambda line: None)
            problem = attempt(lambda model=model: model.run(args.seconds, min_bursts=args.min_bursts))  # type: ignore[misc]
            verdict = f"FAILED: {problem}" if problem else "passed"
            print(
                f"model seed {seed}: {model.bursts} bursts, {model.requests} requests, {verdict}",
                flush=True,
            )
            failures += bool(problem)
        print(f"model: {failures}/{args.runs} runs failed", flush=True)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["cases", "model"])
    parser.add_argument("--rounds", type=int, default=20, help="rounds of each case (cases)")
    parser.add_argument("--case", action="append", choices=list(CASES), help="only this case (repeatable)")
    parser.add_argument("--runs", type=int, default=10, help="seeded runs (model)")
    parser.add_argument("--seconds", type=float, default=20, help="bursts per run for this long (model)")
    parser.add_argument("--min-bursts", type=int, default=6, help="at least this many bursts per run (model)")
    parser.add_argument("--seed", type=int, help="first seed (then seed+1, …); random when absent")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--processes", type=int, help="server processes (default 2 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--python", default=sys.executable, help="interpreter whose tenantry serves")
    args = parser.parse_args()
    return run_cases(args) if args.what == "cases" else run_model(args)


if __name__ == "__main__":
    sys.exit(main())
