"""``tenantry serve`` with the gRPC API on the HTTP port: the TLS certificate (configured, or the
development one), the gRPC server on its Unix socket, and uvicorn behind the front.
With several processes (``--workers N``, ``processes.py``) each has its own front and gRPC server."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import ssl
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from tenantry.server.context import Context
from tenantry.server.grpc import front
from tenantry.server.services.integration import server_secrets

log = logging.getLogger(__name__)


def grpc_available() -> bool:
    """Whether the optional extra ``tenantry[scalekit]`` (grpcio and Scalekit's classes) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("grpc", "grpc_status", "scalekit"))


def wanted(ctx: Context) -> bool:
    """The front serves when gRPC is on and its extra installed, or a certificate is configured."""
    return (ctx.settings.grpc_enabled and grpc_available()) or bool(ctx.settings.tls_cert_file)


def certificate_files(ctx: Context) -> tuple[str, str, Callable[[], None]]:
    """Paths of the certificate and key to serve TLS with, and how to tidy up after."""
    settings = ctx.settings
    if settings.tls_cert_file and settings.tls_key_file:
        return settings.tls_cert_file, settings.tls_key_file, lambda: None
    certificate, key = server_secrets.development_certificate(ctx)
    directory = tempfile.mkdtemp(prefix="tenantry-tls-")  # mode 0700: only this user reads the key
    paths = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    for path, text in zip(paths, (certificate, key), strict=True):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(text)
    log.warning("TLS on this port uses a self-signed development certificate; configure TENANTRY_TLS_CERT_FILE")
    return paths[0], paths[1], lambda: shutil.rmtree(directory, ignore_errors=True)


class _OnFirstUse:
    """The TLS context and the gRPC server, made when a connection first needs them (once,
    whichever thread asks first), and what to stop afterwards."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None
        self._forget_files: Callable[[], None] = lambda: None
        self._grpc: Any = None
        self._socket_path: str | None = None

    def tls(self) -> ssl.SSLContext:
        with self._lock:
            if self._tls is None:
                certfile, keyfile, self._forget_files = certificate_files(self.ctx)
                self._tls = front.server_tls_context(certfile, keyfile)
            return self._tls

    def grpc(self) -> str:
        with self._lock:
            if self._socket_path is None:
                from tenantry.server.grpc import server as grpc_server

                self._grpc, self._socket_path = grpc_server.start(self.ctx)
            return self._socket_path

    def stop(self) -> None:
        with self._lock:
            if self._grpc is not None:
                self._grpc.stop(grace=self.ctx.settings.shutdown_timeout_seconds).wait()
                shutil.rmtree(os.path.dirname(self._socket_path or ""), ignore_errors=True)
            self._forget_files()


def fronted_server(ctx: Context, config: Any) -> tuple[Any, Callable[[], None]]:
    """A uvicorn server for ``config`` behind the front, and the clean-up to run once it stopped."""
    served = front.uvicorn_server_class()(config)
    return served, attach(served, ctx)


def attach(served: Any, ctx: Context) -> Callable[[], None]:
    """Give a fronted server (before it starts) its TLS and gRPC sources; returns the clean-up."""
    made = _OnFirstUse(ctx)
    served.grpc = made.grpc if ctx.settings.grpc_enabled and grpc_available() else None
    served.tls = made.tls
    return made.stop
