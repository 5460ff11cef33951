"""The webhook worker: sends due deliveries, signed, sweeps for expired invitations, looks
again at pending organization domains (their DNS TXT record may have appeared), and sends
the e-mail the outbox still holds (services/identity/mail_requests.py).

Run it as ``tenantry worker`` (any number of processes, on any machines sharing the
database) or inside ``tenantry serve`` (the default). Each loop claims a batch of due
deliveries (``services/deliveries``), posts them concurrently, and records each outcome;
when nothing is due it waits ``worker_poll_seconds``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy.exc import InterfaceError, OperationalError

from tenantry.server.context import Context
from tenantry.server.domain.egress import TargetRefused
from tenantry.server.domain.webhook_signing import signed_headers
from tenantry.server.observability import metrics
from tenantry.server.services.directory import domains
from tenantry.server.services.identity import mail_requests
from tenantry.server.services.integration import deliveries, egress
from tenantry.server.services.integration.deliveries import Claimed, Outcome
from tenantry.server.services.integration.egress import Resolver, system_resolver
from tenantry.server.services.membership import expiry, spent_links
from tenantry.server.services.provisioning import log as provisioning_log

log = logging.getLogger("tenantry.worker")

RESPONSE_KEPT = 1024  # bytes of a receiver's answer kept with the attempt (and read at all)


class Worker:
    def __init__(self, ctx: Context, *, owner: str | None = None, resolve: Resolver = system_resolver) -> None:
        self.ctx = ctx
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]
        settings = ctx.settings
        self._resolve = resolve
        self._allow = settings.webhook_allow_list
        # No redirects (a receiver answers itself; a redirect would re-post elsewhere), no
        # proxies, no kept connections: every request goes to the address checked for it.
        self._http = egress.client(
            settings.webhook_timeout_seconds,
            {"user-agent": "Tenantry-Webhooks/1", "content-type": "application/json"},
        )
        self._pool = ThreadPoolExecutor(max_workers=settings.worker_concurrency, thread_name_prefix="webhook")
        self._next_sweep = 0.0

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._http.close()

    def run_once(self) -> int:
        """Claim and send one batch; returns how many attempts were made."""
        # One delivery per thread: each batch ends within one request timeout, well inside the lease.
        batch = deliveries.claim(self.ctx, self.owner, self.ctx.settings.worker_concurrency)
        for _ in self._pool.map(self._deliver, batch):
            pass
        return len(batch)

    def mail_due(self) -> None:
        """E-mails asked for and not yet written, queued and not yet sent (a crash, a retry)."""
        mail_requests.run_due(self.ctx)

    def sweep_if_due(self) -> None:
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + self.ctx.settings.worker_sweep_seconds
            expiry.sweep(self.ctx)
            spent_links.forget_old(self.ctx)
            domains.check_pending(self.ctx, limit=10)  # pending domains whose TXT record may have appeared
            provisioning_log.prune(self.ctx)

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set; an error in one round is logged and the loop goes on."""
        log.info("webhook worker %s started", self.owner)
        while not stop.is_set():
            try:
                self.sweep_if_due()
                self.mail_due()
                if self.run_once():
                    continue
            except (OperationalError, InterfaceError) as exc:
                # The database is restarting or unreachable: expected, and its statement and
                # values stay out of the log (see SECURITY.md); the next round retries.
                log.warning("webhook worker: database unavailable (%s); retrying", type(exc.orig).__name__)
            except Exception:
                log.exception("webhook worker round failed; retrying")
            stop.wait(self.ctx.settings.worker_poll_seconds)

    def _deliver(self, claimed: Claimed) -> str:
        outcome = self._post(claimed)
        status = deliveries.complete(self.ctx, self.owner, claimed, outcome)
        metrics.webhook_attempts.labels(_result_class(outcome), status).inc()
        log.info(
            "webhook %s attempt %d -> %s (%s)",
            claimed.delivery_id,
            claimed.attempt,
            outcome.status_code or outcome.error,
            status,
        )
        return status

    def _post(self, claimed: Claimed) -> Outcome:
        started_at = self.ctx.clock.now()
        began = time.monotonic()

        def done(code: int | None, error: str | None, body: str | None) -> Outcome:
            return Outcome(started_at, int((time.monotonic() - began) * 1000), code, error, body)

        if claimed.secret is None:
            return done(None, "signing secret unreadable (check TENANTRY_WEBHOOK_ENCRYPTION_KEY)", None)
        try:  # checked at every attempt, after resolving: the name may point elsewhere now
            target = egress.vet(claimed.url, self._allow, self._resolve)
        except (TargetRefused, egress.Unresolvable) as refused:
            return done(None, f"not sent: {refused}"[:500], None)
        headers = signed_headers(claimed.secret, claimed.delivery_id, started_at, claimed.body)
        try:
            with egress.post(self._http, target, claimed.body.encode(), headers) as response:
                kept = b""
                for chunk in response.iter_bytes():  # read no more of the answer than is kept
                    kept += chunk
                    if len(kept) >= RESPONSE_KEPT:
                        break
        except httpx.TimeoutException:
            return done(None, f"timeout after {self.ctx.settings.webhook_timeout_seconds:g} s", None)
        except httpx.HTTPError as exc:
            return done(None, f"{type(exc).__name__}: {exc}"[:500], None)
        return done(response.status_code, None, kept[:RESPONSE_KEPT].decode("utf-8", errors="replace"))


def _result_class(outcome: Outcome) -> str:
    if outcome.status_code is not None:
        return f"{outcome.status_code // 100}xx"
    return "timeout" if (outcome.error or "").startswith("timeout") else "error"


def start_in_background(ctx: Context, stop: threading.Event | None = None) -> tuple[threading.Thread, threading.Event]:
    """Run a worker in a daemon thread (``tenantry serve``); set the event to stop it."""
    stop = stop or threading.Event()
    worker = Worker(ctx)

    def main() -> None:
        try:
            worker.run(stop)
        finally:
            worker.close()

    thread = threading.Thread(target=main, name="tenantry-worker", daemon=True)
    thread.start()
    return thread, stop
