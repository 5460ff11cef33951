"""Can the answer time of "forgot password", "send me a sign-in code", hosted sign-up and the
log-in after a sign-up tell a registered address from an unknown one? (issue 15 item 7)

Starts ``tenantry serve`` on a scratch database (SQLite, or PostgreSQL with ``--database
postgresql``; rate limits off), signs one user
up, then sends ``--requests`` requests for the registered address and as many for unknown
addresses to each form, interleaved (so both see the same machine load), and prints per
form: the median and p90 answer time of each kind, the difference of the medians, and the
accuracy of the best single-request guess (a threshold on the time: 50% = no better than a
coin). ``/signup`` signs up the registered address again and again (a pending sign-up each
time) and a new address each time; ``/login`` then logs in with the password chosen at
those sign-ups (the registered address's pending sign-up, each new address's own account):
both answers are the code step. ``--forms`` picks some. ``--src DIR`` runs the server from
another checkout's ``src`` (e.g. main's, to measure "before")::

    python -m bench.enumeration_timing [--requests 200] [--gap-ms 30] [--src /tmp/main/src] [--database postgresql]

Back to back (``--gap-ms 0``), the e-mail a registered request queues is still being
written while the next request is answered, which slows that one instead: a gap of a few
tens of milliseconds measures each answer on its own, as a single-request guess sees it.
"""

from __future__ import annotations

import argparse
import os
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


SIGN_UP_PASSWORD = "chosen at sign-up, long enough"
# form → (page with the CSRF token, more fields, the answer expected for both kinds)
FORMS: dict[str, tuple[str, dict[str, str], int]] = {
    "/forgot-password": ("/forgot-password", {}, 200),
    "/login/code": ("/login/code", {}, 200),
    "/signup": ("/signup", {"password": SIGN_UP_PASSWORD}, 303),
    "/login": ("/login", {"password": SIGN_UP_PASSWORD}, 303),  # after /signup: its addresses
}


def measure(site: str, path: str, requests: int, gap_ms: float) -> tuple[list[float], list[float]]:
    registered: list[float] = []
    unknown: list[float] = []
    page, fields, expected = FORMS[path]
    with httpx.Client(base_url=site, timeout=30) as browser:
        token = CSRF.search(browser.get(page).text).group(1)  # type: ignore[union-attr]
        for i in range(requests * 2 + 20):
            email = REGISTERED if i % 2 == 0 else f"nobody{i}@example.com"
            started = time.perf_counter()
            answer = browser.post(path, data={"email": email, "csrf_token": token, **fields})
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == expected, (email, answer.status_code, answer.text)
            for name in ("tenantry_signup", "tenantry_session"):  # each request as from a new browser
                browser.cookies.delete(name)
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
    parser.add_argument("--forms", default=",".join(FORMS), help="comma-separated: " + ", ".join(FORMS))
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    source = f", server from {args.src}" if args.src else ""
    header(
        f"Enumeration by timing: {args.requests} requests per kind, {args.gap_ms:g} ms apart, {args.database}{source}"
    )
    env = {"TENANTRY_RATE_LIMITS_ENABLED": "false"}
    if args.src:
        env["PYTHONPATH"] = args.src
    name = f"tenantry_bench_enumeration_{os.getpid()}"  # another session may run it at the same time
    with scratch_database(args.database, name) as url, running_server(url, **env) as server:
        with server.api() as api:
            assert api.post("/api/v1/signup", json={"email": REGISTERED, "password": "a long passphrase"}).is_success
        for path in args.forms.split(","):
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
