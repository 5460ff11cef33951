"""``tenantry serve`` with a clock the tests move: ``python -m tests.live.clocked_serve serve --port P``.

The server is the real one (same CLI, same start-up, same ``READY`` line); only "now" is
shifted by the number of seconds written in the file named by ``TENANTRY_TEST_CLOCK_FILE``
(read on every clock read, so several processes move together when the test rewrites it).
This lets the concurrency tests put invitations past their expiry (60 s at the least, by
the public setting) without sleeping. Test code only: the product has no such switch.
It works with any version of the server that reads time through ``SystemClock``, which is
how the seat tests run against an older build too (bench/seat_model.py).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

CLOCK_FILE = "TENANTRY_TEST_CLOCK_FILE"


def offset(path: Path) -> float:
    try:
        return float(path.read_text() or 0)
    except (OSError, ValueError):  # not written yet, or caught mid-rename
        return 0.0


def advance(path: Path, seconds: float) -> None:
    """Move every server reading ``path`` forward (atomically: write, then rename)."""
    partial = path.with_suffix(".partial")
    partial.write_text(str(offset(path) + seconds))
    partial.replace(path)


def main() -> None:
    path = Path(os.environ[CLOCK_FILE])
    from tenantry.server.domain import clock

    def now(self: object) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=offset(path))

    clock.SystemClock.now = now  # type: ignore[method-assign]
    _announce_if_the_build_does_not()
    from tenantry.cli import main as cli

    entry = getattr(cli, "main", None) or cli.app  # older builds: the Typer app is the entry point
    entry()


def _announce_if_the_build_does_not() -> None:
    """Builds from before ``tenantry.server.serving`` print no ready line: print it for them
    once ``/healthz`` answers, so tests/serving.py can wait for it the same way."""
    import importlib.util
    import sys
    import threading
    import time
    import urllib.request

    if importlib.util.find_spec("tenantry.server.serving") is not None:
        return
    port = sys.argv[sys.argv.index("--port") + 1]

    def poll() -> None:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    print(f"Tenantry ready (process {os.getpid()})", flush=True)
                    return
            except OSError:
                time.sleep(0.1)

    threading.Thread(target=poll, daemon=True).start()


if __name__ == "__main__":
    main()
