"""E-mail work done in the background of a server process, after the answer.

Two kinds: sending what was just queued for SMTP (email/sender.py), and turning e-mails
asked for on a request path that must not show whether an address is registered ("send me
a sign-in code", "I forgot my password", a sign-up with a registered address) into
messages. Those requests are written to the outbox (status ``requested``) before the answer,
the same row for a registered and an unknown address, so a crash loses none: the worker
loop resolves whatever is left (services/identity/mail_requests.py). This module only
decides *when* this process does the work: once the answer has been sent, and when the
process serves no request (up to ``IDLE_WAIT_SECONDS``), so that a request arriving just
after does not share the processor with it and its time says nothing either.

Readers of the outbox resolve due requests themselves before reading, so they see every
e-mail asked for before them without waiting for this thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

IDLE_WAIT_SECONDS = 2.0  # under constant load the work goes ahead after this long


class MailJobs:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-jobs")
        self._serving = 0  # requests this process is serving now
        self._idle = threading.Condition()

    def request_started(self) -> None:
        with self._idle:
            self._serving += 1

    def request_ended(self) -> None:
        with self._idle:
            self._serving -= 1
            if self._serving == 0:
                self._idle.notify_all()

    def prepare(self, job: Callable[..., Any], *args: Any) -> Callable[[], None]:
        """What starts ``job(*args)`` in the background (once; failures are logged, never
        raised). The web layer calls it once the answer has been sent."""
        started = threading.Event()

        def start() -> None:
            if not started.is_set():
                started.set()
                self._pool.submit(self._run, job, args)

        return start

    def _run(self, job: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            with self._idle:  # let the requests being served finish first
                self._idle.wait_for(lambda: self._serving == 0, IDLE_WAIT_SECONDS)
            job(*args)
        except Exception:
            log.exception("e-mail job %s failed", getattr(job, "__name__", job))


jobs = MailJobs()  # one per server process
