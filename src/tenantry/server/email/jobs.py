"""Work that ends in an e-mail, done after the request has been answered.

"Send me a sign-in code", "I forgot my password" and a sign-up with a registered address
must answer alike whether or not the address is registered, in content and in time: a
registered address costs a code, a row and a rendered message, an unknown one nothing,
and those 2-3 ms were enough to tell them apart. So the request path only hands the
address to this queue and answers; once the answer is sent, one background thread per
server process looks the address up and writes the e-mail (in its own unit of work,
through the mailer).

The queue is in memory: a crash loses the e-mails not yet written (the person asks again;
nothing half-done is left, since each job is one transaction). ``wait`` lets readers of the
outbox see every e-mail asked for before them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class MailJobs:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-jobs")
        self._pending = 0
        self._idle = threading.Condition()

    def prepare(self, job: Callable[..., None], *args: Any) -> Callable[[], None]:
        """Count ``job(*args)`` as asked for now (``wait`` waits for it) and return what
        starts it in the background (failures are logged, never raised). The web layer
        calls that once the answer has been sent, so the job does not compete with the
        request for the processor while the request is timed."""
        with self._idle:
            self._pending += 1
        started = threading.Event()

        def start() -> None:
            if not started.is_set():
                started.set()
                self._pool.submit(self._run, job, args)

        return start

    def _run(self, job: Callable[..., None], args: tuple[Any, ...]) -> None:
        try:
            job(*args)
        except Exception:
            log.exception("e-mail job %s failed", getattr(job, "__name__", job))
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until every job asked for so far has run (or ``timeout``); True when idle."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


jobs = MailJobs()  # one per server process
