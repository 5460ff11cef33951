"""Can the answer time of "forgot password" and "send me a sign-in code" tell a registered
address from an unknown one? (issue 15 item 7)

Starts ``tenantry serve`` on a scratch SQLite database (rate limits off), signs one user
up, then sends ``--requests`` requests for the registered address and as many for unknown
addresses to each form, interleaved (so both see the same machine load), and prints per
form: the median and p90 answer time of each kind, the difference of the medians, and the
accuracy of the best single-request guess (a threshold on the time: 50% = no better than a
coin). ``--src DIR`` runs the server from another checkout's ``src`` (e.g. main's, to
measure "before")::

    python -m bench.enumeration_timing [--requests 200] [--gap-ms 30] [--src /tmp/main/src]

Back to back (``--gap-ms 0``), the e-mail a registered request queues is still being
written while the next request is answered, which slows that one instead: a gap of a few
tens of milliseconds measures each answer on its own, as a single-request guess sees it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import httpx

from bench.common import header, load_average, percentile, running_server, scratch_database

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
REGISTERED = "someone@example.com"


def best_threshold_accuracy(registered: list[float], unknown: list[float]) -> float:
    """The accuracy of the best rule "slower than t means registered" (or its reverse)."""
    labelled = sorted([(t, 1) for t in registered] + [(t, 0) for t in unknown])
    total, best = len(labelled), 0.5
    below_registered = below_unknown = 0
    for _, label in labelled:
        if label:
            below_registered += 1
        else:
            below_unknown += 1
        # everything up to here guessed "unknown", the rest "registered"
        correct = below_unknown + (len(registered) - below_registered)
        best = max(best, correct / total, (total - correct) / total)
    return best


def measure(site: str, path: str, requests: int, gap_ms: float) -> tuple[list[float], list[float]]:
    registered: list[float] = []
    unknown: list[float] = []
    with httpx.Client(base_url=site, timeout=30) as browser:
        token = CSRF.search(browser.get(path).text).group(1)  # type: ignore[union-attr]
        for i in range(requests * 2 + 20):
            email = REGISTERED if i % 2 == 0 else f"nobody{i}@example.com"
            started = time.perf_counter()
            answer = browser.post(path, data={"email": email, "csrf_token": token})
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, answer.text
            if i < 20:
                continue  # warm-up
            (registered if email == REGISTERED else unknown).append(elapsed)
            time.sleep(gap_ms / 1000)
    return registered, unknown


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--src", help="run the server from this source folder (PYTHONPATH)")
    parser.add_argument("--gap-ms", type=float, default=0, help="pause between requests (lets background work end)")
    args = parser.parse_args()
    source = f", server from {args.src}" if args.src else ""
    header(f"Enumeration by timing: {args.requests} requests per kind, {args.gap_ms:g} ms apart{source}")
    env = {"TENANTRY_RATE_LIMITS_ENABLED": "false"}
    if args.src:
        env["PYTHONPATH"] = args.src
    with scratch_database("sqlite", "tenantry_bench_enumeration") as url, running_server(url, **env) as server:
        with server.api() as api:
            assert api.post("/api/v1/signup", json={"email": REGISTERED, "password": "a long passphrase"}).is_success
        for path in ("/forgot-password", "/login/code"):
            registered, unknown = measure(server.url, path, args.requests, args.gap_ms)
            r_median, u_median = statistics.median(registered), statistics.median(unknown)
            print(
                f"{path:18} registered median {r_median:6.2f} ms p90 {percentile(registered, 0.9):6.2f} | "
                f"unknown median {u_median:6.2f} ms p90 {percentile(unknown, 0.9):6.2f} | "
                f"difference {r_median - u_median:+6.2f} ms | best single-request guess "
                f"{best_threshold_accuracy(registered, unknown):.0%} | load {load_average()}"
            )


if __name__ == "__main__":
    main()
