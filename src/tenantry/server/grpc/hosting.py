"""``tenantry serve`` with the gRPC API on the HTTP port: the TLS certificate (configured, or the
development one), the gRPC server on its Unix socket, and uvicorn behind the front."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
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


def fronted_server(ctx: Context, config: Any) -> tuple[Any, Callable[[], None]]:
    """A uvicorn server for ``config`` behind the front, and the clean-up to run once it stopped."""
    from tenantry.server.grpc import server as grpc_server

    certfile, keyfile, forget_files = certificate_files(ctx)
    grpc_running = None
    socket_path = None
    if ctx.settings.grpc_enabled and grpc_available():
        grpc_running, socket_path = grpc_server.start(ctx)
    served = front.uvicorn_server_class()(config)
    served.grpc_socket_path = socket_path
    served.tls = front.server_tls_context(certfile, keyfile)

    def clean_up() -> None:
        if grpc_running is not None:
            grpc_running.stop(grace=ctx.settings.shutdown_timeout_seconds).wait()
            shutil.rmtree(os.path.dirname(socket_path or ""), ignore_errors=True)
        forget_files()

    return served, clean_up
