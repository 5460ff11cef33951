"""Running ``tenantry serve``: one process or several, the webhook worker beside them, a line
that says when the server is ready, and a graceful stop.

Ready: the socket is bound and listening before the application is built, and once the
application has started, each server process prints ``READY`` (with its process id) on standard output.
From then on connections are answered; before it they wait in the socket's queue. Process
managers and tests wait for that line instead of polling.

Stopping (SIGTERM or Ctrl-C): uvicorn stops accepting connections, lets requests in flight
finish (at most ``TENANTRY_SHUTDOWN_TIMEOUT_SECONDS``), and the webhook worker finishes the
deliveries it is sending; then the process exits with status 0.

Once ready, each server process loads in the background what the first request of a rarely
used feature would otherwise load (SCIM's models, pysaml2, dnspython: ``WARM_UP``). They are
left out of start-up (issue 17: they were half of it), but on a busy machine loading them took
seconds, long enough for that first request's client to give up.

Only the standard library is imported at module level: ``prepare`` must run before anything
imports prometheus-client (which picks its multiprocess mode on import).
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tenantry.server.context import Context

READY = "Tenantry ready"
WARM_UP = ("tenantry.server.scim.endpoints", "saml2.client", "saml2.metadata", "dns.resolver")
log = logging.getLogger(__name__)
_SHARED_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def prepare(workers: int) -> Callable[[], None]:
    """Before any server module is imported: with several processes, give them one directory
    to share metrics through (a fresh one, unless the operator chose one). Returns the clean-up."""
    if workers == 1 or os.environ.get(_SHARED_METRICS_DIR):
        return lambda: None
    directory = tempfile.mkdtemp(prefix="tenantry-metrics-")
    os.environ[_SHARED_METRICS_DIR] = directory
    return lambda: shutil.rmtree(directory, ignore_errors=True)


def announcing(app: FastAPI) -> FastAPI:
    """Print READY once the application has started; on the way out, tidy this process's metrics
    and send buffered traces. Every served application passes here: its access log starts
    (the edge middleware writes it, http/access_log.py; uvicorn's own is off)."""
    app.state.access_log.start(app.state.context.settings.log_format)
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(inner: Any) -> AsyncIterator[Any]:
        from tenantry.server.observability import metrics, tracing

        async with started(inner) as state:
            print(f"{READY} (process {os.getpid()})", flush=True)
            threading.Thread(target=_warm_up, name="tenantry-warm-up", daemon=True).start()
            yield state
        metrics.process_exited()
        tracing.flush()

    app.router.lifespan_context = lifespan
    return app


def _warm_up() -> None:
    for name in WARM_UP:
        try:
            importlib.import_module(name)
        except Exception:  # the request that needs it will say what is wrong; this only warns early
            log.warning("could not load %s ahead of its first use", name, exc_info=True)


def worker_process_app() -> FastAPI:
    """The factory each of several server processes builds its application with."""
    from tenantry.server.app import create_app_from_env

    return announcing(create_app_from_env())


def run(ctx: Context, *, host: str, port: int, workers: int, webhook_worker: bool) -> None:
    """Serve until stopped; returns once everything has finished (see the module's docstring)."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from tenantry.server.observability.logs import uvicorn_log_config

    settings = ctx.settings
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
        "timeout_graceful_shutdown": settings.shutdown_timeout_seconds,
        "log_config": uvicorn_log_config(settings.log_format) or LOGGING_CONFIG,
        "access_log": False,  # the application writes it (http/access_log.py), cheaper (issue 18)
    }
    socket = _listening_socket(options)
    if workers > 1:
        ctx.engine.dispose()  # the processes open their own connections
        config = uvicorn.Config("tenantry.server.serving:worker_process_app", factory=True, workers=workers, **options)
    else:
        from tenantry.server.app import create_app

        config = uvicorn.Config(announcing(create_app(context=ctx)), **options)
    stopping = threading.Event()
    _stop_quietly_on(stopping)
    background = _start_webhook_worker(ctx, stopping) if webhook_worker else None
    try:
        if stopping.is_set():  # stopped while starting, before uvicorn took the signals over
            return
        if workers > 1:
            _run_processes(ctx, config, socket)
        else:
            server, clean_up = _single_process_server(ctx, config)
            threading.Thread(target=_when_exiting, args=(server, stopping), daemon=True).start()
            try:
                server.run(sockets=[socket])
            finally:
                clean_up()
    finally:
        stopping.set()
        if background is not None:
            background.join(timeout=settings.webhook_timeout_seconds + 5)


def _listening_socket(options: dict[str, Any]) -> Any:
    """The server's socket, bound and LISTENING before the application is built. uvicorn's
    ``bind_socket`` only binds; it listens once the application has started, after READY is
    printed. A client that connected between READY and that moment was refused (a flaky CI
    failure). Listening first, connections queue in the backlog while the application starts
    and are answered once it has; and a port in use fails at once, before any building."""
    import uvicorn

    # A configuration only for uvicorn's binding (address family, socket options); no app loaded.
    config = uvicorn.Config("tenantry.server.serving:worker_process_app", **options)
    socket = config.bind_socket()
    socket.listen(config.backlog)
    return socket


def _run_processes(ctx: Context, config: Any, socket: Any) -> None:
    """Several server processes, each behind the front when TLS or gRPC is wanted."""
    from tenantry.server.grpc import hosting, processes

    if hosting.wanted(ctx):
        processes.run(config, [socket])
    else:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[socket]).run()


def _single_process_server(ctx: Context, config: Any) -> tuple[Any, Callable[[], None]]:
    """uvicorn, behind the front that adds TLS and Scalekit's gRPC API on the same port when
    those are wanted (``grpc/hosting.py``)."""
    import uvicorn

    from tenantry.server.grpc import hosting

    if hosting.wanted(ctx):
        return hosting.fronted_server(ctx, config)
    return uvicorn.Server(config), lambda: None


def _stop_quietly_on(stopping: threading.Event) -> None:
    """uvicorn re-raises the signal that stopped it once it has shut down; with these handlers
    that ends nothing abruptly (no KeyboardInterrupt, no kill) and the webhook worker can finish."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())


def _when_exiting(server: Any, stopping: threading.Event) -> None:
    """Tell the webhook worker as soon as uvicorn starts shutting down, so both drain at once."""
    while not server.should_exit and not stopping.is_set():
        time.sleep(0.1)
    stopping.set()


def _start_webhook_worker(ctx: Context, stopping: threading.Event) -> threading.Thread:
    from tenantry.server.worker import start_in_background

    thread, _ = start_in_background(ctx, stopping)  # a batch being sent is finished before it stops
    return thread
