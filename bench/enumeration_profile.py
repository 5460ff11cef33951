"""Where does the answer time of "forgot password" / "send me a sign-in code" differ between a
registered and an unknown address? (issue 15 item 7, the 1 to 1.5 ms residue)

In process, on a scratch SQLite file, rate limits off (as enumeration_timing.py), the
after-answer mail job held back: each request is timed alone (the
request path: CSRF, rate limit, the outbox row, the page), then its job alone (the lookup,
the code, the message), with the SQL statements each ran. Unlike enumeration_timing.py this
imports the server, so it can split the two::

    python -m bench.enumeration_profile [--requests 300] [--forms /signup,/login]

``/signup`` and ``/login`` as in enumeration_timing.py (the log-in with the password chosen at
those sign-ups); for them the kinds of statement of each part are printed too.
"""

from __future__ import annotations

import argparse
import functools
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from bench.common import header, load_average
from bench.enumeration_timing import FORMS
from tenantry.server.app import create_app
from tenantry.server.context import build_context
from tenantry.server.db.engine import create_db_engine
from tenantry.server.db.migrate import upgrade
from tenantry.server.email import jobs as mail_jobs
from tenantry.server.services.commands import SignUp
from tenantry.server.services.identity import mail_requests, signup
from tenantry.server.settings import Settings

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
REGISTERED = "someone@example.com"


Samples = dict[str, dict[str, list[float]]]


def measure(browser: TestClient, path: str, requests: int, held: list[Callable[[], None]], statements: list[str]):  # type: ignore[no-untyped-def]
    """Per kind (registered, unknown) and part (request, job): times in ms and SQL statement counts
    (and the statements' first words, of the last request of each kind)."""
    kinds: dict[tuple[str, str], str] = {}
    page, fields, expected = FORMS[path]
    token = CSRF.search(browser.get(page).text).group(1)  # type: ignore[union-attr]
    times: Samples = {"registered": {}, "unknown": {}}
    counts: Samples = {"registered": {}, "unknown": {}}

    def timed(kind: str, part: str, work: Callable[[], Any], keep: bool) -> None:
        statements.clear()
        started = time.perf_counter()
        answer = work()
        if keep:
            times[kind].setdefault(part, []).append((time.perf_counter() - started) * 1000)
            counts[kind].setdefault(part, []).append(len(statements))
            kinds[kind, part] = " ".join(statements)
        if part == "request":
            assert answer.status_code == expected, (kind, answer.status_code)
            for name in ("tenantry_signup", "tenantry_session"):  # each request as from a new browser
                browser.cookies.delete(name)

    for i in range(requests * 2 + 20):
        kind = "registered" if i % 2 == 0 else "unknown"
        email = REGISTERED if kind == "registered" else f"nobody{i}@example.com"
        # the request path; the job it prepared is held in ``held``
        form = {"email": email, "csrf_token": token, **fields}
        timed(kind, "request", functools.partial(browser.post, path, data=form, follow_redirects=False), i >= 20)
        timed(kind, "job", lambda: [job() for job in held], i >= 20)
        held.clear()
    return times, counts, kinds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--forms", default="/forgot-password,/login/code", help="comma-separated, of " + ", ".join(FORMS)
    )
    args = parser.parse_args()
    header(f"Enumeration profile: {args.requests} requests per kind, request path and after-answer job apart")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'tenantry.db'}"
        engine = create_db_engine(url)
        upgrade(engine)
        settings = Settings(
            database_url=url, public_url="http://127.0.0.1:9", smtp_host=None, rate_limits_enabled=False
        )
        ctx = build_context(settings, engine=engine)
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2].split()[0]))
        held: list[Callable[[], None]] = []
        mail_jobs.jobs.prepare = lambda job, *a: lambda: held.append(lambda: job(*a))  # type: ignore[method-assign]
        with TestClient(create_app(context=ctx)) as browser:
            signup.sign_up(ctx, SignUp.model_validate({"email": REGISTERED, "password": "a long passphrase"}))
            for path in args.forms.split(","):
                times, counts, kinds = measure(browser, path, args.requests, held, statements)
                for part in ("request", "job"):
                    r, u = times["registered"][part], times["unknown"][part]
                    print(
                        f"{path:18} {part:8} registered median {statistics.median(r):6.2f} ms "
                        f"({statistics.median(counts['registered'][part]):.0f} SQL) | unknown median "
                        f"{statistics.median(u):6.2f} ms ({statistics.median(counts['unknown'][part]):.0f} SQL) | "
                        f"difference {statistics.median(r) - statistics.median(u):+6.2f} ms | load {load_average()}"
                    )
                    if path in ("/signup", "/login"):
                        for kind in ("registered", "unknown"):
                            print(f"    {kind:10} {part:7}: {kinds[kind, part]}")
    assert mail_requests  # the held job is mail_requests.run_due


if __name__ == "__main__":
    main()
