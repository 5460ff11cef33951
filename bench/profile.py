"""Where a request's time goes: py-spy samples a real ``tenantry serve`` while wrk drives
one scenario, then this prints the heaviest frames (inclusive, across all threads).

    .venv/bin/python -m bench.profile postgresql get_organization [--duration 15]
    # scenarios: healthz get_organization invite client_credentials refresh login

Needs ``py-spy`` (``pip install -e '.[bench]'``) and the right to trace (root, or
``kernel.yama.ptrace_scope=0``). The collapsed stacks are kept in bench/profiles/ for
flame-graph tools.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from bench.common import BENCH, header, running_server, scratch_database, wrk
from bench.throughput import CONNECTIONS, prepare, scenarios

PROFILES = BENCH / "profiles"


def summarise(collapsed: Path, top: int) -> None:
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack.split(";")  # py-spy leaves idle threads out unless told --idle
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        leaves[frames[-1]] += count
    print(f"{total} busy samples\n\nheaviest frames (inclusive):")
    for frame, count in inclusive.most_common(top):
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print("\nheaviest leaves (self):")
    for frame, count in leaves.most_common(top // 2):
        print(f"  {100 * count / total:5.1f}%  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["sqlite", "postgresql"])
    parser.add_argument("scenario")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument(
        "--gil", action="store_true", help="sample only the thread holding the GIL (where the CPU goes, no waits)"
    )
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    header(f"Profile of {args.scenario} on {args.kind}")
    PROFILES.mkdir(exist_ok=True)
    out = PROFILES / f"{args.scenario}-{args.kind}{'-gil' if args.gil else ''}.collapsed"
    with scratch_database(args.kind, f"tenantry_bench_profile_{args.kind}") as url, running_server(url) as server:
        script, expect, variables = scenarios(prepare(server))[args.scenario]
        command = [py_spy, "record", "--pid", str(server.pid), "--duration", str(args.duration), "--rate", "250",
                   "--format", "raw", "--output", str(out), "--nonblocking"]  # fmt: skip
        command += ["--gil"] if args.gil else []
        recorder = threading.Thread(target=subprocess.run, args=(command,), kwargs={"capture_output": True})
        recorder.start()
        result = wrk(
            server, script, expect=expect, duration=args.duration, connections=CONNECTIONS, variables=variables
        )
        recorder.join()
        print(f"{result.requests_per_s:.0f} requests/s while sampled (bad {result.bad})\n")
    summarise(out, args.top)


if __name__ == "__main__":
    main()
