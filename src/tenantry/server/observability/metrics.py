"""Prometheus metrics: what they count, and how ``/metrics`` renders them.

Labels are bounded by construction: route templates (never raw paths), HTTP methods, status
codes, error codes (a fixed set), sign-in methods and outcomes. No label ever holds a user's
data, an id or an address.

Several server processes (``tenantry serve --workers N``) share one view through
prometheus-client's multiprocess mode: ``serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
directory before any process imports this module, each process writes its values there, and
whichever process answers ``/metrics`` adds them up. Gauges that describe a process (connections
checked out) are summed over live processes only.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
disable_created_metrics()  # no *_created series: half the output, and Prometheus does not need them
UNMATCHED_ROUTE = "<unmatched>"  # every path no route serves: one label, however many paths are probed

http_requests = Counter(
    "tenantry_http_requests", "HTTP requests answered, by route template and status.", ["method", "route", "status"]
)
http_duration = Histogram(
    "tenantry_http_request_duration_seconds",
    "Time from receiving a request to the end of its answer, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
http_in_flight = Gauge("tenantry_http_requests_in_flight", "Requests being answered now.", multiprocess_mode="livesum")
sign_ins = Counter(
    "tenantry_sign_ins", "User and administrator sign-in attempts, by method and outcome.", ["method", "outcome"]
)
refusals = Counter(
    "tenantry_refusals",
    "Requests refused by a rule, by stable error code (organization_user_limit_reached is a seat refusal).",
    ["code"],
)
emails = Counter("tenantry_emails", "E-mails sent by SMTP, failed, or written to the local outbox.", ["outcome"])
webhook_attempts = Counter(
    "tenantry_webhook_attempts",
    "Webhook delivery attempts, by result (2xx, 4xx, 5xx, timeout, error) and the delivery's status after it.",
    ["result", "status"],
)
pool_checked_out = Gauge(
    "tenantry_db_pool_connections_in_use",
    "Database connections checked out of this server's pools.",
    multiprocess_mode="livesum",
)
pool_capacity = Gauge(
    "tenantry_db_pool_capacity",
    "Most connections the pools may hold at once (pool size plus overflow).",
    multiprocess_mode="livesum",
)

_watched: weakref.WeakSet[Engine] = weakref.WeakSet()
P = ParamSpec("P")
R = TypeVar("R")


@functools.lru_cache(maxsize=4096)  # bounded like the labels: methods x route templates x statuses
def http_series(method: str, route: str, status: int) -> tuple[Any, Any]:
    """The request counter and duration histogram of one label set (looked up once, then cached)."""
    return http_requests.labels(method, route, str(status)), http_duration.labels(method, route)


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR))


def refused(code: str) -> None:
    refusals.labels(code).inc()


def count_refusal(exc: BaseException) -> None:
    """Count a rule's refusal once, however many layers see the same exception go by."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and not getattr(exc, "_tenantry_counted", False):
        exc._tenantry_counted = True  # type: ignore[attr-defined]
        refused(code)


_SIGN_IN_OUTCOMES = {"password_login_locked": "locked", "rate_limited": "rate_limited"}


def counts_sign_in(method: str, *, success: bool = True) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a sign-in use case: a return is a success, a rule's error a failure (or
    ``locked``/``rate_limited``); anything else (a bug, the database down) an ``error``.
    ``success`` False: a first step of one, whose return is no outcome yet (the step that
    ends it counts that)."""

    def decorate(use_case: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(use_case)
        def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                result = use_case(*args, **kwargs)
            except Exception as exc:
                code = getattr(exc, "code", None)
                outcome = _SIGN_IN_OUTCOMES.get(code, "failure") if isinstance(code, str) else "error"
                sign_ins.labels(method, outcome).inc()
                raise
            if success:
                sign_ins.labels(method, "success").inc()
            return result

        return counted

    return decorate


def watch_pool(engine: Engine) -> None:
    """Follow this engine's pool: connections in use (check-outs minus check-ins) and its capacity."""
    if engine in _watched:  # tests build many apps on one engine
        return
    _watched.add(engine)
    pool: Any = engine.pool
    if hasattr(pool, "size") and hasattr(pool, "_max_overflow"):
        pool_capacity.inc(pool.size() + max(pool._max_overflow, 0))
    event.listen(engine, "checkout", lambda *_: pool_checked_out.inc())
    event.listen(engine, "checkin", lambda *_: pool_checked_out.dec())


class WebhookBacklog(Collector):
    """Read at scrape time from the database (shared by every process, so asked once)."""

    def __init__(self, read: Callable[[], tuple[int, float]]) -> None:
        self._read = read

    def collect(self) -> Any:
        pending, oldest_seconds = self._read()
        yield GaugeMetricFamily(
            "tenantry_webhook_backlog", "Webhook deliveries not yet delivered nor given up.", value=pending
        )
        yield GaugeMetricFamily(
            "tenantry_webhook_backlog_oldest_seconds",
            "Age of the oldest pending webhook delivery (0 when none).",
            value=oldest_seconds,
        )


def exposition(backlog: Callable[[], tuple[int, float]]) -> bytes:
    """The text format: this process's metrics (or every process's in multiprocess mode),
    then the database-wide ones."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    shared = CollectorRegistry()
    shared.register(WebhookBacklog(backlog))
    return own + generate_latest(shared)


def process_exited() -> None:
    """Drop this process's live gauges from the shared directory (a graceful exit)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())
